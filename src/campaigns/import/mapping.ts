/** How the columns of a lead file map onto a lead. */
import { z } from 'zod';

export const columnMappingSchema = z
  .object({
    /** Header of the column holding the phone number. */
    phone: z.string().min(1),
    /** Header of the column holding an IANA time zone such as America/Chicago. */
    timeZone: z.string().min(1).optional(),
    /** Header of the column holding an integer priority (higher is dialed first). */
    priority: z.string().min(1).optional(),
    /** Columns kept as the lead's custom fields; absent: every column not mapped above. */
    customFields: z.array(z.string().min(1)).optional(),
    /** ISO country of numbers written in national form, such as US for (202) 555-0123. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as US or GB')
      .optional(),
    /** The time zone of leads whose zone neither a column nor their number tells. */
    defaultTimeZone: z.string().min(1).optional(),
  })
  .strict();
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

/** Column positions resolved against the file's header. */
export interface ResolvedColumns {
  readonly phone: number;
  readonly timeZone: number | undefined;
  readonly priority: number | undefined;
  readonly customFields: readonly { readonly name: string; readonly index: number }[];
  readonly width: number;
}

/** Finds the mapped columns in the header, or says which is missing and what the header has. */
export function resolveColumns(mapping: ColumnMapping, header: readonly string[]): ResolvedColumns {
  const positions = new Map(header.map((name, i) => [name.trim(), i]));
  const find = (name: string, role: string): number => {
    const index = positions.get(name);
    if (index === undefined) {
      throw new Error(`the ${role} column "${name}" is not in the file's header (it has: ${header.join(', ')})`);
    }
    return index;
  };
  const phone = find(mapping.phone, 'phone');
  const timeZone = mapping.timeZone === undefined ? undefined : find(mapping.timeZone, 'time zone');
  const priority = mapping.priority === undefined ? undefined : find(mapping.priority, 'priority');
  const mapped = new Set([phone, timeZone, priority]);
  const customFields = (mapping.customFields ?? header.filter((_, i) => !mapped.has(i))).map((name) => ({
    name: name.trim(),
    index: find(name, 'custom field'),
  }));
  return { phone, timeZone, priority, customFields, width: header.length };
}
