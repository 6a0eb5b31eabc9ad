/**
 * Who owns a metric (kpi-spec "Who is alerted"): the operations team of its report section.
 * users, orders and segments → user operations; content → content operations; campaigns →
 * campaign operations; efficiency and data quality → data operations. Pure.
 */
import type { Section } from "./registry.ts";

/** The operations teams that own the report sections' metrics. */
export const OWNERS = [
  "user_operations",
  "content_operations",
  "campaign_operations",
  "data_operations",
] as const;
export type Owner = (typeof OWNERS)[number];

const OWNER_OF_SECTION: Readonly<Record<Section, Owner>> = {
  users: "user_operations",
  orders: "user_operations",
  segments: "user_operations",
  content: "content_operations",
  campaigns: "campaign_operations",
  efficiency: "data_operations",
};

/** The team that owns a section's metrics. */
export function ownerOfSection(section: Section): Owner {
  return OWNER_OF_SECTION[section];
}
