import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Module,
  Param,
  Query,
  Res,
  UseGuards,
  type CanActivate,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { HotRoute, registerHotRoutes } from './hot-route';
import { MemoValidationPipe } from './memo-validation.pipe';

class ColourQuery {
  @IsIn(['red', 'blue'])
  colour!: string;

  @IsOptional()
  @IsIn(['fail'])
  then?: string;
}

/** Counts how the handler was reached: `calls` by the hot dispatcher and Nest alike. */
@Controller('hot')
class HotController {
  calls = 0;

  @Get()
  @HotRoute()
  answer(@Query() query: ColourQuery, @Res() reply: FastifyReply): Promise<void> | undefined {
    this.calls++;
    if (query.then === undefined) {
      void reply.header('x-dto', query instanceof ColourQuery ? 'ColourQuery' : 'plain').send(query.colour);
      return undefined;
    }
    return Promise.reject(new BadRequestException(`asked to fail on ${query.colour}`));
  }

  @Get('reversed')
  @HotRoute()
  reversed(@Res() reply: FastifyReply, @Query() query: ColourQuery): void {
    void reply.send(`reversed ${query.colour}`);
  }
}

class Allow implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@Controller('bad')
class WithParam {
  @Get(':id')
  @HotRoute()
  one(@Query() query: ColourQuery, @Res() reply: FastifyReply): void {
    void reply.send(query);
  }
}

@Controller('bad')
class WithPathParam {
  @Get()
  @HotRoute()
  one(@Param() params: ColourQuery, @Res() reply: FastifyReply): void {
    void reply.send(params);
  }
}

@Controller('bad')
class WithGuard {
  @Get()
  @HotRoute()
  @UseGuards(Allow)
  one(@Query() query: ColourQuery, @Res() reply: FastifyReply): void {
    void reply.send(query);
  }
}

@Controller('bad')
class WithHeader {
  @Get()
  @HotRoute()
  @Header('x-a', 'b')
  one(@Query() query: ColourQuery, @Res() reply: FastifyReply): void {
    void reply.send(query);
  }
}

@Controller('bad')
class WithoutDto {
  @Get()
  @HotRoute()
  one(@Query() query: Record<string, string>, @Res() reply: FastifyReply): void {
    void reply.send(query);
  }
}

async function appWith(
  controller: Type<unknown>,
  pipe = new MemoValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }),
  globalGuard = false,
): Promise<NestFastifyApplication> {
  @Module({ controllers: [controller] })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalPipes(pipe);
  if (globalGuard) app.useGlobalGuards(new Allow());
  registerHotRoutes(app.getHttpAdapter().getInstance(), app, pipe);
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

describe(HotRoute.name, () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('calls the handler with the validated DTO, remembered or not, and answers errors as Nest does', async () => {
    const pipe = new MemoValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });
    const remembered = jest.spyOn(pipe, 'rememberedQuery');
    const fastify = await appWith(HotController, pipe);
    app = fastify;
    const controller = app.get(HotController);
    for (let i = 0; i < 2; i++) {
      const ok = await fastify.inject({ method: 'GET', url: '/hot?colour=red' });
      expect([ok.statusCode, ok.body, ok.headers['x-dto']]).toEqual([200, 'red', 'ColourQuery']);
    }
    expect(controller.calls).toBe(2);
    // Dispatched by the hot route: the second request found its DTO remembered.
    expect(remembered).toHaveBeenCalledTimes(2);
    expect(remembered.mock.results.map((result) => result.value instanceof ColourQuery)).toEqual([
      false,
      true,
    ]);
    const invalid = await fastify.inject({ method: 'GET', url: '/hot?colour=green' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['colour must be one of the following values: red, blue'],
    });
    const unknown = await fastify.inject({ method: 'GET', url: '/hot?colour=red&x=1' });
    expect(unknown.json()).toMatchObject({ statusCode: 400, message: ['property x should not exist'] });
    expect(controller.calls).toBe(2);
    const failed = await fastify.inject({ method: 'GET', url: '/hot?colour=blue&then=fail' });
    expect(failed.statusCode).toBe(400);
    expect(failed.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'asked to fail on blue',
    });
    const reversed = await fastify.inject({ method: 'GET', url: '/hot/reversed?colour=blue' });
    expect([reversed.statusCode, reversed.body]).toEqual([200, 'reversed blue']);
  });

  it.each([
    [WithParam, 'a GET route without path parameters'],
    [WithPathParam, 'exactly @Query() (a whole DTO, no pipes) and @Res()'],
    [WithGuard, "Nest's __guards__ would not be applied"],
    [WithHeader, "Nest's __headers__ would not be applied"],
    [WithoutDto, 'must be typed with a DTO class'],
  ])('refuses at start a handler it cannot dispatch as Nest would (%p)', async (controller, reason) => {
    await expect(appWith(controller)).rejects.toThrow(`@HotRoute() ${controller.name}.one: `);
    await expect(appWith(controller)).rejects.toThrow(reason);
  });

  it('refuses at start when the application has a global guard the hot route would skip', async () => {
    await expect(appWith(HotController, undefined, true)).rejects.toThrow(
      '@HotRoute() HotController.answer: the application has global guards',
    );
  });
});
