//! Checks saved objects against the index templates: every data view a panel reads is covered by
//! a template, its time field is a date, every field a panel uses is mapped with a type that the
//! panel's operation can aggregate, and every reference points at an object of the set. Pure.
import type { FieldMapping, IndexTemplateBody, TemplateMappings } from '../../../analyzer/src/index/templates';
import { RECORDS_FIELD, type LensColumn, type SavedObject } from './saved-objects';

type EsType = NonNullable<FieldMapping['type']>;

const OPERATION_TYPES: Record<LensColumn['operationType'], readonly EsType[]> = {
  date_histogram: ['date'],
  terms: ['keyword', 'ip', 'long', 'double', 'float', 'boolean'],
  count: [],
  sum: ['long', 'double', 'float'],
  max: ['long', 'double', 'float', 'date'],
  unique_count: ['keyword', 'ip', 'long', 'double', 'float', 'boolean'],
};

const DATA_TYPES: Record<LensColumn['dataType'], readonly EsType[]> = {
  date: ['date'],
  string: ['keyword'],
  number: ['long', 'double', 'float'],
  ip: ['ip'],
};

/** The mapped type of a dotted path ("callee.country"), or undefined when it is not mapped. */
export function fieldType(mappings: TemplateMappings, path: string): EsType | undefined {
  let properties: Record<string, FieldMapping> | undefined = mappings.properties;
  let found: FieldMapping | undefined;
  // Keys may themselves hold dots ("@timestamp" does not, but be exact): walk segment by segment.
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (properties === undefined) return undefined;
    found = properties[parts[i] ?? ''];
    if (found === undefined) return undefined;
    if (found.type === 'flattened') return i === parts.length - 1 ? 'flattened' : 'keyword';
    properties = found.properties;
  }
  if (found === undefined || found.index === false || found.enabled === false) return undefined;
  return found.type ?? (found.properties !== undefined ? 'object' : undefined);
}

/** Does an index pattern like "logs-sipward.alert-*" cover the data view title "logs-sipward.alert-*"? */
function covers(pattern: string, title: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  // A title with a wildcard is covered when its concrete prefix matches the template's pattern.
  return re.test(title.replace(/\*/g, 'x'));
}

interface FormBasedLayer {
  columns: Record<string, LensColumn>;
}

function lensLayers(object: SavedObject): FormBasedLayer[] {
  const state = object.attributes['state'] as {
    datasourceStates?: { formBased?: { layers?: Record<string, FormBasedLayer> } };
  };
  return Object.values(state.datasourceStates?.formBased?.layers ?? {});
}

export function validateSavedObjects(
  objects: readonly SavedObject[],
  templates: readonly IndexTemplateBody[],
): string[] {
  const errors: string[] = [];
  const byId = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
  const templateOf = (dataViewId: string): IndexTemplateBody | undefined => {
    const view = byId.get(`index-pattern:${dataViewId}`);
    const title = view?.attributes['title'];
    if (typeof title !== 'string') return undefined;
    return templates.find((t) => t.index_patterns.some((p) => covers(p, title)));
  };
  for (const o of objects) {
    for (const ref of o.references) {
      if (!byId.has(`${ref.type}:${ref.id}`))
        errors.push(`${o.type} ${o.id}: reference ${ref.name} → ${ref.type} ${ref.id} is not in the set`);
    }
    if (o.type === 'index-pattern') {
      const template = templateOf(o.id);
      const timeField = o.attributes['timeFieldName'];
      if (
        template !== undefined &&
        typeof timeField === 'string' &&
        fieldType(template.template.mappings, timeField) !== 'date'
      ) {
        errors.push(`data view ${o.id}: time field ${timeField} is not a date in ${template.name}`);
      }
    }
    if (o.type !== 'lens') continue;
    const viewRef = o.references.find((r) => r.type === 'index-pattern');
    const template = viewRef === undefined ? undefined : templateOf(viewRef.id);
    if (template === undefined) {
      errors.push(`lens ${o.id}: its data view ${viewRef?.id ?? '(none)'} is covered by no index template`);
      continue;
    }
    for (const layer of lensLayers(o)) {
      for (const [columnId, column] of Object.entries(layer.columns)) {
        const where = `lens ${o.id} column ${columnId} (${column.operationType} ${column.sourceField})`;
        if (column.operationType === 'count') {
          if (column.sourceField !== RECORDS_FIELD) errors.push(`${where}: count must use ${RECORDS_FIELD}`);
          continue;
        }
        const type = fieldType(template.template.mappings, column.sourceField);
        if (type === undefined) {
          errors.push(`${where}: not an indexed field of ${template.name}`);
          continue;
        }
        if (!OPERATION_TYPES[column.operationType].includes(type)) {
          errors.push(`${where}: ${column.operationType} cannot use a ${type} field`);
        }
        if (column.operationType !== 'unique_count' && !DATA_TYPES[column.dataType].includes(type)) {
          errors.push(`${where}: dataType ${column.dataType} does not fit the mapped type ${type}`);
        }
      }
    }
  }
  return errors;
}
