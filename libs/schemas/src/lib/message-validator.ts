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
  name?: string;
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
 * runs one function generated per class from those rules: the common rules (IsString, IsNumber,
 * IsInt, IsBoolean, Min, Max, MaxLength, IsIn, Matches) get an inline test that can only pass where
 * the rule itself passes, and anything else calls the rule's own `validate` function, as
 * class-validator's executor does, without building error objects (~0.1 us per trade against
 * ~2 us for the per-rule calls and ~13 us for `validateSync`, `npm run bench:codec`). Only a
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
  const rules: Array<
    { property: string; name: string | undefined; constraints: unknown[] | undefined } & RuleCall
  > = [];
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
        name: metadata.name,
        constraints: metadata.constraints,
        call: ruleCall(messageClass.name, metadata, constraint),
      });
    }
  }
  // One generated function per class: each rule is an inline test that can only say "valid" when
  // class-validator's own rule would (see `shortcut`), falling back to calling the rule itself, so
  // the answer is always the rule's. Property names enter the code only as JSON string literals.
  const constants: unknown[] = [];
  const constant = (value: unknown) => `c[${constants.push(value) - 1}]`;
  const byProperty = new Map<string, string[]>();
  for (const rule of rules) {
    const fast = shortcut(rule.name, rule.constraints, constant);
    const test = `${fast ? `${fast} || ` : ''}${constant(rule.call)}(v, o)`;
    const tests = byProperty.get(rule.property) ?? [];
    tests.push(`if (!(${test})) return false;`);
    byProperty.set(rule.property, tests);
  }
  const body = [...byProperty]
    .map(([property, tests]) => {
      const read = `v = o[${JSON.stringify(property)}];`;
      return optional.has(property)
        ? `${read}\nif (v !== undefined && v !== null) {\n${tests.join('\n')}\n}`
        : `${read}\n${tests.join('\n')}`;
    })
    .join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function('c', `return function check(o) {\nlet v;\n${body}\nreturn true;\n};`) as (
    c: unknown[],
  ) => Check;
  return build(constants);
}

interface RuleCall {
  /** Calls the rule's own validate function (what class-validator's executor calls). */
  call: (value: unknown, object: object) => boolean;
}

function ruleCall(
  targetName: string,
  metadata: RuleMetadata,
  constraint: ConstraintMetadata,
): RuleCall['call'] {
  const validate = constraint.instance.validate.bind(constraint.instance);
  // One arguments object per rule, reused: validators read only `constraints` (and `object`/`value`).
  const args: RuleArgs = {
    targetName,
    property: metadata.propertyName,
    constraints: metadata.constraints,
    object: null,
    value: undefined,
  };
  return (value, object) => {
    args.object = object;
    args.value = value;
    return validate(value, args) === true;
  };
}

/**
 * An inline JavaScript test (over `v`) that is true only when class-validator's rule of that name
 * and constraints returns true for `v`, or null when there is no such shortcut. It may be false for
 * a valid value (a string longer than a MaxLength in code units but not in characters, an uncached
 * pattern match): the rule itself decides then.
 */
function shortcut(
  name: string | undefined,
  constraints: unknown[] | undefined,
  constant: (value: unknown) => string,
): string | null {
  const [first, second] = constraints ?? [];
  switch (name ?? '') {
    case 'isString':
      return `typeof v === "string"`;
    case 'isBoolean':
      return `typeof v === "boolean"`;
    case 'isInt':
      return `(typeof v === "number" && Number.isInteger(v))`;
    case 'isNumber': {
      // Finite numbers pass whatever allowNaN/allowInfinity say; maxDecimalPlaces needs the rule.
      const options = (first ?? {}) as { maxDecimalPlaces?: number };
      return options.maxDecimalPlaces === undefined ? `(typeof v === "number" && v - v === 0)` : null;
    }
    case 'min':
      return typeof first === 'number' ? `(typeof v === "number" && v >= ${constant(first)})` : null;
    case 'max':
      return typeof first === 'number' ? `(typeof v === "number" && v <= ${constant(first)})` : null;
    case 'maxLength':
      // validator's isLength counts a surrogate pair or variation selector as less than two, never more.
      return typeof first === 'number' ? `(typeof v === "string" && v.length <= ${constant(first)})` : null;
    case 'isIn':
      // The rule compares with ===, under which NaN is never in the list.
      return Array.isArray(first) ? `(${constant(new Set(first))}.has(v) && v === v)` : null;
    case 'matches': {
      const matcher = cachedMatcher(first, second);
      return matcher ? `(typeof v === "string" && ${constant(matcher)}(v))` : null;
    }
    default:
      return null;
  }
}

/**
 * `validator.matches(value, pattern, modifiers)` for a pattern without global or sticky flags (so
 * `test` equals `!!value.match(pattern)`), remembering up to 1024 matching strings: market events
 * repeat a handful of symbols.
 */
function cachedMatcher(pattern: unknown, modifiers: unknown): ((value: string) => boolean) | null {
  let regex: RegExp;
  try {
    regex =
      pattern instanceof RegExp
        ? pattern
        : new RegExp(String(pattern), typeof modifiers === 'string' ? modifiers : undefined);
  } catch {
    return null;
  }
  if (regex.global || regex.sticky) return null;
  const matching = new Set<string>();
  return (value) => {
    if (matching.has(value)) return true;
    if (!regex.test(value)) return false;
    if (matching.size >= 1024) matching.clear();
    matching.add(value);
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
