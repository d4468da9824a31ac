/** How the columns of a lead file map onto a lead. */
import { z } from 'zod';

/** Field separators a lead file may use: spreadsheets in many locales write semicolons. */
export const SEPARATORS = [',', ';', '\t'] as const;
export type Separator = (typeof SEPARATORS)[number];

/** Columns a header may have: far more than any lead file, few enough that a broken file is named as such. */
export const MAX_COLUMNS = 500;

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
    /** The field separator; absent: told from the header line (comma, semicolon or tab). */
    separator: z.enum(SEPARATORS).optional(),
    /** Accept numbers of countries the campaign's compliance profile does not cover (refused by default). */
    acceptOtherCountries: z.boolean().optional(),
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
  /** The header's names, trimmed, to name a column in a row's rejection. */
  readonly header: readonly string[];
}

/** Finds the mapped columns in the header, or says which is missing, named twice, or what is wrong with the header. */
export function resolveColumns(mapping: ColumnMapping, rawHeader: readonly string[]): ResolvedColumns {
  if (rawHeader.length > MAX_COLUMNS) {
    throw new Error(`the header has ${rawHeader.length} columns; a lead file may have ${MAX_COLUMNS}: check the separator`);
  }
  if (rawHeader.some((name) => name.includes('\0'))) {
    throw new Error('the header holds NUL bytes: the file is not UTF-8 text (UTF-16 without a byte-order mark?); save it as UTF-8 CSV');
  }
  const header = rawHeader.map((name) => name.trim());
  const positions = new Map<string, number>();
  header.forEach((name, i) => {
    const earlier = positions.get(name);
    if (earlier !== undefined) {
      throw new Error(`the header names column "${name}" twice (columns ${earlier + 1} and ${i + 1}): rename one`);
    }
    positions.set(name, i);
  });
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
    index: find(name.trim(), 'custom field'),
  }));
  return { phone, timeZone, priority, customFields, width: header.length, header };
}
