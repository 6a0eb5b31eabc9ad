/**
 * Renders a report email: subject, HTML (the compiled MJML template, filled) and its
 * plain-text alternative, from one view model.
 *
 * The templates are read from `templates/dist/` (built by `npm run build:templates`, which
 * `npm ci` runs), or from wherever `templatesDir` points — a Lambda bundle copies the folder
 * beside its handler. mjml itself is never loaded at runtime.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Period } from "../../kpi/windows.ts";
import type { OutgoingEmail } from "../../ports.ts";
import { buildEmailModel, type EmailViewModel, type ReportEmailInput } from "./model.ts";
import { type CompiledTemplate, compileTemplate, plainText } from "./template.ts";

/** The compiled templates of the repository. */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(
  new URL("../../../../templates/dist/", import.meta.url),
);

/** Gmail clips an HTML body larger than this (102 KB). */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** The HTML templates a report needs, by period kind. */
export interface ReportTemplates {
  readonly day: CompiledTemplate;
  readonly week: CompiledTemplate;
}

/** The compiled templates are missing: the build step has not run. */
export class TemplatesMissingError extends Error {
  override name = "TemplatesMissingError";
}

/** Loads `daily.html` and `weekly.html` from a compiled templates folder. */
export function loadReportTemplates(dir: string = DEFAULT_TEMPLATES_DIR): ReportTemplates {
  const read = (name: string) => {
    const file = join(dir, name);
    if (!existsSync(file)) {
      throw new TemplatesMissingError(
        `${file} is missing: run "npm run build:templates" (npm ci runs it) to compile the MJML templates.`,
      );
    }
    return compileTemplate(readFileSync(file, "utf8"), `templates/dist/${name}`);
  };
  return { day: read("daily.html"), week: read("weekly.html") };
}

/** A rendered email body. */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** Inline images (`cid:`) and files (the metric table as CSV) sent with it. */
  readonly attachments?: OutgoingEmail["attachments"];
}

/** Renders one report email for one recipient list. */
export function renderReportEmail(
  input: ReportEmailInput,
  templates: ReportTemplates,
): RenderedEmail {
  const model = buildEmailModel(input);
  const template = templateFor(input.period, templates);
  return { subject: model.subject, html: template.render(model), text: renderText(model) };
}

function templateFor(period: Period, templates: ReportTemplates): CompiledTemplate {
  return period.kind === "day" ? templates.day : templates.week;
}

const TEXT_TEMPLATE = compileTemplate(
  `OPSPULSE · {{title}}
{{periodLabel}}
{{summaryLine}}
{{#if correction}}
{{correction}}
{{/if}}

{{labels.needsAttention}}
{{#each notices}}
  ! {{text}}
{{/each}}
{{#each attention}}
  {{marker}} {{label}}: {{value}} — {{status.label}} ({{target}}{{#if note}}; {{note}}{{/if}})
{{#each drivers}}
      ↳ {{this}}
{{/each}}
{{/each}}
{{#if attentionMore}}
  {{attentionMore}}
{{/if}}
{{#unless attention}}
  {{labels.allClear}}
{{/unless}}
{{#each sections}}

{{title}}
{{underline}}
{{#each rows}}
  - {{label}}: {{value}}{{#if status.label}} [{{status.label}}]{{/if}}
      {{labels.vsPrevious}} {{vsPrevious.text}} · {{labels.vsYearEarlier}} {{vsYearEarlier.text}}{{#if target}} · {{target}}{{/if}}
{{/each}}
{{#each tables}}

  {{title}}
  {{header}}
{{#each lines}}
  {{this}}
{{/each}}
{{/each}}
{{/each}}

--
{{#each footnotes}}
{{text}}
{{/each}}
{{labels.generatedBy}}
`,
  "text",
);

/** The plain-text alternative: the same content, as lines. */
export function renderText(model: EmailViewModel): string {
  const textModel = {
    ...model,
    summaryLine: model.summary.map((s) => s.text).join(" · "),
    attention: model.attention.map((a) => ({
      ...a,
      marker: a.severity === "breach" ? "✖" : a.severity === "anomaly" ? "◆" : "!",
    })),
    sections: model.sections.map((section) => ({
      ...section,
      underline: "=".repeat(Math.min(60, displayWidth(section.title))),
      tables: section.tables.map((table) => ({
        title: table.title,
        header: table.columns.map((c) => c.label).join(" | "),
        lines: table.rows.map((row) =>
          row.cells.map((c) => (c.mark ? `${c.text} (${c.mark})` : c.text)).join(" | "),
        ),
      })),
    })),
  };
  return TEXT_TEMPLATE.render(textModel, { escape: plainText }).replaceAll(/\n{3,}/g, "\n\n");
}

/** Width in monospace cells (CJK characters take two). */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        char,
      )
        ? 2
        : 1;
  return width;
}
