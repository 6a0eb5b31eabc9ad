-- The identity map's rows as validity ranges, for the rollups' freshness: each rollup day
-- built from mapped records carries in its manifest a fingerprint of the mappings valid
-- during that day (functions/lib/rollups/identity-map.ts), so a changed mapping rebuilds
-- only the days it covers.
--
-- Grain: one row per row of `identities` (the import refuses overlapping rows of one id).
--
-- Output columns:
--   source_user_id   the id as recorded in events / orders
--   user_id          the person it maps to
--   valid_from       from when (UTC, inclusive)
--   valid_to         until when (UTC, exclusive); null: still holds

with

mappings as (
  select
    source_user_id,
    user_id,
    valid_from,
    valid_to
  from identities
  where source_user_id is not null
    and user_id is not null
    and valid_from is not null
),

final as (
  select
    source_user_id,
    user_id,
    valid_from,
    valid_to
  from mappings
)

select * from final
