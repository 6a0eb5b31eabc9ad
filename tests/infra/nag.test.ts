/**
 * cdk-nag v3 (AWS Solutions pack) over the whole app: no unacknowledged finding, and every
 * acknowledgment carries a reason. The checks run twice: as the validation plugin that makes
 * `cdk synth` fail, and directly here so that a failure lists the findings.
 */
import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.ts";
import { cdkJsonContext, synthOpsPulse } from "./helpers.ts";

const findings = (scope: IConstruct) =>
  new AwsSolutionsChecks()
    .validateScope(scope)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe("cdk-nag AwsSolutionsChecks", () => {
  const { app } = synthOpsPulse();

  it("reports no unacknowledged error or warning", () => {
    expect(findings(app)).toEqual([]);
  });

  it("has a reason for every acknowledgment", () => {
    const acknowledged = acknowledgments(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledged) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length, `${id} needs a real reason`).toBeGreaterThan(40);
    }
  });

  it("acknowledges wildcards one resource at a time, never a whole rule", () => {
    const iam5 = acknowledgments(app).filter(({ id }) => id.includes("AwsSolutions-IAM5"));
    expect(iam5.length).toBeGreaterThan(0);
    for (const { id } of iam5) expect(id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
  });

  it("acknowledges X-Ray's `*` on its own policy only: another `*` in a role is a finding", () => {
    const fresh = buildApp({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
    fresh.stack.functions.functions.scheduledReport.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["ses:SendEmail"], resources: ["*"] }),
    );
    expect(findings(fresh.app)).toEqual([
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::\*\] at OpsPulse\/Functions\/ScheduledReportRole/,
      ),
    ]);
  });

  it("catches an unacknowledged wildcard, and synth then fails", () => {
    const fresh = buildApp({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
    fresh.stack.functions.functions.adhocRun.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::*"] }),
    );
    expect(findings(fresh.app)).toEqual([
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::arn:aws:s3:::\*\] at OpsPulse\/Functions\/AdhocRunRole/,
      ),
    ]);
    expect(() => fresh.app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});
