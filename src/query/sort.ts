import { FlowdexError } from '../errors';
import { resolveField } from '../model/fields';

export interface SortSpec {
  field: string;
  order: 'asc' | 'desc';
}

/** `bytes`, `bytes:asc`, `destination.port:desc` → a stored, sortable field and an order. */
export function parseSort(text: string | undefined, order?: 'asc' | 'desc'): SortSpec {
  if (text === undefined || text === '') return { field: '@timestamp', order: order ?? 'desc' };
  const m = /^(.+?)(?::(asc|desc))?$/i.exec(text.trim());
  const name = m?.[1] ?? text;
  const fields = resolveField(name);
  const def = fields?.[0];
  if (fields === undefined || def === undefined)
    throw new FlowdexError('QUERY_UNKNOWN_FIELD', `cannot sort by unknown field "${name}"`, { field: 'sort' });
  if (fields.length > 1 || def.indexed === false || def.type === 'geo_point' || def.computedFrom !== undefined) {
    throw new FlowdexError('QUERY_BAD_VALUE', `cannot sort by "${name}": name one stored, indexed field`, {
      field: 'sort',
    });
  }
  const given = m?.[2]?.toLowerCase() as 'asc' | 'desc' | undefined;
  return { field: def.name, order: given ?? order ?? 'desc' };
}
