/** Sample user-KPI counts shared by the user-KPI and minimum-sample unit tests. */
import type { UserKpiCounts } from "../../functions/lib/kpi/user-kpis.ts";

export const USER_KPI_COUNTS: UserKpiCounts = {
  newUsers: 120,
  activeUserDays: 700,
  wauUsers: 400,
  mauUsers: 1_000,
  privateMauUsers: 350,
  retention: {
    d1: { cohort: 200, retained: 110 },
    d7: { cohort: 150, retained: 60 },
    d30: { cohort: 99, retained: 30 },
  },
  conversionCohortUsers: 150,
  convertedUsers: 15,
  ltvCohortUsers: 100,
  ltvRevenue: "2500.50",
  paidOrders: 200,
  gmv: "10000.00",
  payingUsers: 180,
  repurchaseCustomers: 500,
  repurchaseRepeatCustomers: 150,
  privateRepurchaseCustomers: 200,
  privateRepurchaseRepeatCustomers: 120,
};
