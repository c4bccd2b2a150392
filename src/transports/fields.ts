// How a transport declares the options it reads: for each key, what a valid value is. The inventory
// checks every value against these tables when it loads, so a transport only ever sees usable config.

export interface Field<T = unknown> {
  expect: string;
  check: (v: unknown) => v is T;
  /** Values from env_var/prompt are strings: parse them as this kind before checking. */
  parse?: 'int' | 'bool';
}

/** One Field per option of a transport's config type, so the type and its checks cannot drift apart. */
export type OptionTable<C> = { [K in keyof C]-?: Field<NonNullable<C[K]>> };

export const text: Field<string> = { expect: 'a non-empty string', check: (v): v is string => typeof v === 'string' && v !== '' };
export const secret: Field<string> = { expect: 'a string', check: (v): v is string => typeof v === 'string' };
export const absPath: Field<string> = {
  expect: "an absolute path (starting with '/')",
  check: (v): v is string => typeof v === 'string' && v.startsWith('/'),
};
export const bool: Field<boolean> = { expect: 'true or false', check: (v): v is boolean => typeof v === 'boolean', parse: 'bool' };

export function int(min: number, max: number, unit = ''): Field<number> {
  return {
    expect: `an integer ${min}-${max}${unit}`,
    check: (v): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
    parse: 'int',
  };
}

export function oneOf<T extends string>(...values: T[]): Field<T> {
  return {
    expect: values.map((v) => `'${v}'`).join(values.length === 2 ? ' or ' : ', '),
    check: (v): v is T => (values as unknown[]).includes(v),
  };
}

export const port = int(1, 65535);
export const seconds = int(1, 3600, ' (seconds)');
