import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import type { MessageClass } from './stream-definition';

/** A message broke its class-validator rules; `reason` names every failing property and rule. */
export class MessageValidationError extends Error {
  constructor(
    readonly messageType: string,
    readonly reason: string,
  ) {
    super(`invalid ${messageType} message: ${reason}`);
    this.name = 'MessageValidationError';
  }
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; reason: string };

type Check = (object: Record<string, unknown>) => boolean;

// class-validator's own metadata types are internal; these are the fields its executor reads.
interface RuleMetadata {
  type: string;
  propertyName: string;
  constraints: unknown[];
  constraintCls: unknown;
  each?: boolean;
  always?: boolean;
  groups?: string[];
  validateIf?: (object: object, value: unknown) => boolean;
}
interface ConstraintMetadata {
  async: boolean;
  instance: { validate(value: unknown, args: object): unknown };
}
interface Storage {
  getTargetValidationMetadatas(
    target: object,
    schema: string,
    always: boolean,
    strict: boolean,
  ): RuleMetadata[];
  getTargetValidatorConstraints(cls: unknown): ConstraintMetadata[];
}

/**
 * Validates plain objects against a message class's class-validator rules.
 *
 * The rules are only ever declared with class-validator decorators. On the hot path the validator
 * calls each rule's own `validate` function directly, as class-validator's executor does, without
 * building error objects (about 10x faster than `validateSync`: `npm run bench:codec`). Only a
 * failing message goes through `validateSync`, so the reason is class-validator's own text. A class
 * using a rule this fast path does not model (nested, async, groups, conditional) is always checked
 * by `validateSync`.
 */
export class MessageValidator<T extends object> {
  private readonly fastCheck: Check | null;

  constructor(
    private readonly messageClass: MessageClass<T>,
    private readonly typeName: string = messageClass.name,
  ) {
    this.fastCheck = compileFastCheck(messageClass);
  }

  /** Returns the message typed as the class (the same object, with the class prototype), or the reason. */
  validate(plain: unknown): ValidationResult<T> {
    const reason = this.check(plain);
    return reason === null ? { ok: true, value: plain as T } : { ok: false, reason };
  }

  /** The reason a message is invalid, or null when it is valid (allocates nothing for a valid one). */
  check(plain: unknown): string | null {
    if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
      return `expected an object, got ${describe(plain)}`;
    }
    const candidate = plain as Record<string, unknown>;
    if (this.fastCheck && this.fastCheck(candidate)) return null;
    const instance = Object.setPrototypeOf({ ...candidate }, this.messageClass.prototype as object) as T;
    const errors = validateSync(instance, { forbidUnknownValues: true });
    return errors.length === 0 ? null : formatValidationErrors(errors);
  }

  /** Like `validate`, but throws MessageValidationError. */
  assert(plain: unknown): T {
    const result = this.validate(plain);
    if (!result.ok) throw new MessageValidationError(this.typeName, result.reason);
    return result.value;
  }
}

export function formatValidationErrors(errors: ValidationError[], parent = ''): string {
  const parts: string[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      parts.push(`${path}: ${message} (got ${describe(error.value)})`);
    }
    if (error.children?.length) parts.push(formatValidationErrors(error.children, path));
  }
  return parts.join('; ');
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function compileFastCheck(messageClass: MessageClass): Check | null {
  const storage = getMetadataStorage() as unknown as Storage;
  const metadatas = storage.getTargetValidationMetadatas(messageClass, '', true, false);
  const optional = new Set<string>();
  // One arguments object per rule, reused: validators read only `constraints` (and `object`/`value`).
  const rules: Array<{
    property: string;
    validate: (value: unknown, args: object) => unknown;
    args: RuleArgs;
  }> = [];
  for (const metadata of metadatas) {
    if (metadata.groups?.length || metadata.each || metadata.validateIf) return null;
    if (metadata.type === 'conditionalValidation') {
      // @IsOptional registers a condition "value is not null/undefined"; anything else is not modelled.
      if (
        metadata.constraints.length !== 1 ||
        !isOptionalCondition(metadata.constraints[0], metadata.propertyName)
      )
        return null;
      optional.add(metadata.propertyName);
      continue;
    }
    if (metadata.type !== 'customValidation') return null;
    for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
      if (constraint.async) return null;
      rules.push({
        property: metadata.propertyName,
        validate: constraint.instance.validate.bind(constraint.instance),
        args: {
          targetName: messageClass.name,
          property: metadata.propertyName,
          constraints: metadata.constraints,
          object: null,
          value: undefined,
        },
      });
    }
  }
  return (object) => {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const value = object[rule.property];
      if ((value === undefined || value === null) && optional.has(rule.property)) continue;
      rule.args.object = object;
      rule.args.value = value;
      if (rule.validate(value, rule.args) !== true) return false;
    }
    return true;
  };
}

interface RuleArgs {
  targetName: string;
  property: string;
  constraints: unknown[];
  object: object | null;
  value: unknown;
}

function isOptionalCondition(condition: unknown, property: string): boolean {
  if (typeof condition !== 'function') return false;
  const probe = condition as (object: object, value: unknown) => boolean;
  const on = (value: unknown) => probe({ [property]: value }, value);
  return on(undefined) === false && on(null) === false && on(0) === true && on('') === true;
}
