import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old space grow past what the last mark-compact left before it starts the next:
 * to twice that (`--heap-growing-percent=100`). Under production's `--max-old-space-size=384` V8
 * otherwise allows only a few MB on the gateway's ~60 MB heap, so even the few bytes a request that
 * still survive scavenges brought a mark-compact (8-10 ms marking steps, a 10-20 ms pause) into
 * 30 s at 5 000 req/s; with it, none (docs/gateway.md, Performance). Set here because NODE_OPTIONS
 * refuses the flag (`--heap-growing-percent= is not allowed in NODE_OPTIONS`), so that every way the
 * gateway starts (npm start, the image, the bench) runs with it; V8 reads it whenever it sets the
 * next limit. The heap stays under the old-space cap, which V8 still enforces.
 */
setFlagsFromString('--heap-growing-percent=100');
