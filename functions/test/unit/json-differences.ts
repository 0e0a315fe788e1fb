type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const shown = (value: Json): string => {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Where two JSON values differ, as JSON paths with what each side holds: what a test comparing a
 * committed file with the code's output prints, so the reader sees which path and which field moved.
 */
export function jsonDifferences(first: Json, second: Json, path = "$"): string[] {
  if (Array.isArray(first) && Array.isArray(second)) {
    if (first.length !== second.length) return [`${path}: ${first.length} items -> ${second.length}`];
    return first.flatMap((item, i) => jsonDifferences(item, second[i] ?? null, `${path}[${i}]`));
  }
  const isObject = (v: Json): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(first) && isObject(second)) {
    const keys = [...new Set([...Object.keys(first), ...Object.keys(second)])].sort();
    return keys.flatMap((key) => {
      const at = `${path}.${key}`;
      if (!(key in second)) return [`${at}: only in the first`];
      if (!(key in first)) return [`${at}: only in the second`];
      return jsonDifferences(first[key] ?? null, second[key] ?? null, at);
    });
  }
  return JSON.stringify(first) === JSON.stringify(second) ? [] : [`${path}: ${shown(first)} -> ${shown(second)}`];
}
