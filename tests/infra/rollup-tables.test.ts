/**
 * The rollup tables of the Glue catalog (functions/lib/rollups/): one per rollup source of
 * `queries/_sources.yaml`, with the rollup spec's columns and partition projection on the
 * report-zone `local_date`.
 */
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROLLUPS } from "../../functions/lib/rollups/schema.ts";
import type { OpsPulseStack } from "../../infra/opspulse-stack.ts";
import { synthOpsPulse } from "./helpers.ts";

let template: Template;
let stack: OpsPulseStack;

beforeAll(() => {
  ({ template, stack } = synthOpsPulse());
});

interface TableInput {
  Name: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: { Columns: { Name: string; Type: string }[]; Location: unknown };
}

function table(name: string): TableInput {
  const found = Object.values(
    template.findResources("AWS::Glue::Table") as Record<
      string,
      { Properties: { TableInput: TableInput } }
    >,
  )
    .map((resource) => resource.Properties.TableInput)
    .find((input) => input.Name === name);
  if (!found) throw new Error(`no Glue table ${name}`);
  return found;
}

describe("Glue tables of the rollups", () => {
  it.each(Object.values(ROLLUPS).map((spec) => [spec.name, spec] as const))(
    "%s: the spec's columns, partitioned by local_date with projection up to tomorrow",
    (name, spec) => {
      const input = table(name);
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
        spec.columns.map((c) => c.name),
      );
      expect(input.PartitionKeys).toEqual([
        expect.objectContaining({ Name: "local_date", Type: "string" }),
      ]);
      expect(input.Parameters).toMatchObject({
        "projection.enabled": "true",
        "projection.local_date.type": "date",
        "projection.local_date.format": "yyyy-MM-dd",
        "projection.local_date.range": "2024-01-01,NOW+1DAYS",
        "projection.local_date.interval": "1",
        "projection.local_date.interval.unit": "DAYS",
        classification: "parquet",
      });
      expect(input.Parameters["projection.dt.type"]).toBeUndefined();
      const template = JSON.stringify(stack.resolve(input.Parameters["storage.location.template"]));
      expect(template).toContain(`/rollups/${name}/local_date=\${local_date}/`);
    },
  );

  it("types counts as bigint and keeps money and instants exact", () => {
    const types = (name: string) =>
      Object.fromEntries(table(name).StorageDescriptor.Columns.map((c) => [c.Name, c.Type]));
    expect(types("user_day")).toMatchObject({
      user_id: "string",
      events: "bigint",
      first_signup_time: "timestamp",
    });
    expect(types("order_day")).toMatchObject({ amount: "decimal(18,2)", records: "bigint" });
  });
});

describe("the report functions and the rollups", () => {
  const functions = () =>
    Object.values(
      template.findResources("AWS::Lambda::Function") as Record<
        string,
        { Properties: { Environment?: { Variables?: Record<string, unknown> }; Role: unknown } }
      >,
    ).filter((fn) => fn.Properties.Environment?.Variables?.OPSPULSE_RUNTIME === "aws");

  it("tells every report function where the lake is, so that Athena keeps rollups there", () => {
    expect(functions().length).toBeGreaterThanOrEqual(3);
    for (const fn of functions()) {
      expect(JSON.stringify(fn.Properties.Environment?.Variables?.OPSPULSE_LAKE_URI)).toContain(
        "s3://",
      );
    }
  });

  it("lets them write under rollups/ only", () => {
    const statements = Object.values(
      template.findResources("AWS::IAM::Policy") as Record<
        string,
        { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }
      >,
    ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const writes = statements.filter((s) =>
      [s.Action].flat().some((a) => a === "s3:PutObject" || a === "s3:DeleteObject"),
    );
    const rollupWrites = writes.filter((s) => s.Sid === "WriteLakeRollups");
    expect(rollupWrites.length).toBeGreaterThanOrEqual(3);
    for (const statement of rollupWrites) {
      expect(JSON.stringify(stack.resolve(statement.Resource))).toContain("/rollups/*");
    }
  });
});
