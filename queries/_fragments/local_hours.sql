-- Fragment: the local hours of a day, 0 … 24 (a day with a daylight-saving change back has
-- 25 hours; hour 24 of any other day holds no record). The hourly rollups and the pulse
-- include it with a line `-- @include local_hours` in their `with` list.
--
-- Defines:
--   hours   one row per local_hour

hours as (
  select local_hour
  from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23), (24)) as h (local_hour)
),
