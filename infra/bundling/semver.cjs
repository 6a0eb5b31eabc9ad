// `semver` for the Lambda bundles (an esbuild alias in infra/constructs/report-functions.ts).
// aws-xray-sdk-core, which the Powertools tracer loads, requires semver (29 KB minified) for
// one check, `gte(AWS.VERSION, "2.7.15")`, made only when an AWS SDK v2 module is patched
// (`captureAWS`); the handlers use SDK v3 clients. This is that one function, for plain
// `major.minor.patch` versions; anything else is refused by name rather than misjudged.
"use strict";

/** @param {string} version */
function parts(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(version).trim());
  if (!match) {
    throw new Error(
      `semver (bundled stand-in, infra/bundling/semver.cjs): cannot compare "${version}": only major.minor.patch versions`,
    );
  }
  return match.slice(1).map(Number);
}

/** @param {string} a @param {string} b */
function gte(a, b) {
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    if (left[i] !== right[i]) return left[i] > right[i];
  }
  return true;
}

module.exports = { gte };
