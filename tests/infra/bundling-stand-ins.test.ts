/**
 * The stand-ins the Lambda bundles take for packages and built-ins (infra/bundling/, esbuild
 * aliases of infra/constructs/report-functions.ts): each answers as the original does for
 * what the bundled code asks of it.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as yamlStandIn from "../../infra/bundling/yaml.ts";

const require = createRequire(import.meta.url);
/** The one function of semver the bundles use (aws-xray-sdk-core's SDK v2 check). */
type Gte = { gte(version: string, minimum: string): boolean };
const semver = require("semver") as Gte;
const semverStandIn = require("../../infra/bundling/semver.cjs") as Gte;

describe("bundling stand-ins", () => {
  it("semver: gte answers as semver does for release versions", () => {
    const versions = [
      "2.7.15",
      "2.7.14",
      "2.7.16",
      "2.8.0",
      "2.10.0",
      "3.0.0",
      "1.99.99",
      "v2.7.15",
    ];
    for (const version of versions) {
      for (const minimum of ["2.7.15", "2.10.0"]) {
        expect(semverStandIn.gte(version, minimum)).toBe(semver.gte(version, minimum));
      }
    }
    expect(() => semverStandIn.gte("2.7.15-beta.1", "2.7.15")).toThrow(
      /cannot compare "2\.7\.15-beta\.1": only major\.minor\.patch versions/,
    );
  });

  it("node:http: the very module require gives", () => {
    expect(require("../../infra/bundling/node-http.cjs")).toBe(require("node:http"));
  });

  it("yaml: parses nothing, and says the bundle must be built again", () => {
    for (const call of [
      () => yamlStandIn.parse("a: 1"),
      () => yamlStandIn.parseDocument("a: 1"),
      () => new yamlStandIn.LineCounter(),
    ]) {
      expect(call).toThrow(/has no YAML parser: .*compile-yaml\.ts.*bundle again \(cdk deploy\)/);
    }
  });
});
