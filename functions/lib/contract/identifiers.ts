/**
 * Identifiers from the data that the product uses as keys: campaign ids name snapshot
 * documents (`<campaign>/<date>`, a folder locally, an S3 key on AWS) and email scopes;
 * content ids name items in reports and exports. The data contract says what each may hold
 * (`docs/data-contract.md`, the KPI spec's campaign section); the importer refuses a file
 * that breaks it, and every place that builds a key from an id checks it again, since a
 * lake can be written by other tools than `opspulse import`.
 */

/** Campaign ids: letters, digits, `_` and `-`, 1 to 64 of them (safe in paths and keys). */
export const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The longest content id (URLs are common content ids). */
export const MAX_CONTENT_ID_LENGTH = 256;

/**
 * Characters no id may hold: control and format characters (including bidirectional
 * overrides and zero-width ones), surrogates, private-use and unassigned code points, and
 * line or paragraph separators.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** True when `id` is a campaign id of the contract. */
export function isCampaignId(id: unknown): id is string {
  return typeof id === "string" && CAMPAIGN_ID.test(id);
}

/** Why `id` is not a campaign id, in words, or undefined when it is one. */
export function campaignIdProblem(id: unknown): string | undefined {
  if (isCampaignId(id)) return undefined;
  if (typeof id !== "string" || id === "") return "a campaign id is required";
  if (id.length > 64) return `a campaign id has at most 64 characters, this one ${id.length}`;
  return `campaign id ${JSON.stringify(id)} may hold only letters, digits, _ and - (at most 64)`;
}

/** Why `id` is not a content id, in words, or undefined when it is one. */
export function contentIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string" || id === "") return "a content id is required";
  const length = [...id].length;
  if (length > MAX_CONTENT_ID_LENGTH) {
    return `a content id has at most ${MAX_CONTENT_ID_LENGTH} characters, this one ${length}`;
  }
  if (UNPRINTABLE.test(id)) {
    return "a content id must be printable: no control, format or separator characters";
  }
  if (id.trim() !== id) return "a content id must not start or end with white space";
  return undefined;
}
