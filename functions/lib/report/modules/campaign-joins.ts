/**
 * Campaign joins of the day (`campaign_participants`): the users who joined any campaign on
 * the report day. It has no target; it is watched by its baseline band (kpi/baseline-band.ts), so
 * a campaign whose events stop carrying its id shows as a drop explained by that campaign.
 * One small query, `campaign_participants_day.sql`, over the `campaign_user_day` rollup.
 */
import { queryOverRollups } from "../../rollups/refresh.ts";
import type { KpiModule } from "../modules.ts";

export const campaignJoinsModule: KpiModule = {
  id: "campaign_joins",
  periods: ["day"],
  reads: ["campaigns", "events", "identities"],
  async compute(context) {
    const day = context.period.end;
    const prepared = await queryOverRollups(
      { ...context, timeZone: context.period.timeZone },
      "campaign_participants_day",
      { campaign_user_day: { from: day, to: day } },
    );
    const result = await context.engine.run(prepared.query, {
      report_day: day,
      report_date: day,
    });
    const row = result.rows[0];
    const running = Number(row?.running_campaigns ?? 0);
    return {
      values: {
        campaign_participants:
          running > 0
            ? { value: Number(row?.participants ?? 0) }
            : { value: null, reason: "no_data" },
      },
      stats: [...prepared.stats, result.stats],
    };
  },
};
