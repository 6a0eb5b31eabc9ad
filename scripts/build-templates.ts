/**
 * Compiles the MJML email templates to HTML, at build time (`npm ci` runs it via `prepare`;
 * `npm run build:templates` runs it by hand). The runtime never loads mjml: it reads
 * `templates/dist/<name>.html` and fills its `{{placeholders}}` with the tiny renderer of
 * `functions/lib/report/email/template.ts`.
 *
 * Each top-level `templates/*.mjml` becomes `templates/dist/<name>.html`. The build fails on
 * an MJML validation error, an include that cannot be read, or a placeholder the renderer
 * cannot parse.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mjml2html from "mjml";
import { compileTemplate } from "../functions/lib/report/email/template.ts";

const TEMPLATES_DIR = fileURLToPath(new URL("../templates/", import.meta.url));
const DIST_DIR = join(TEMPLATES_DIR, "dist");

/** Compiles one MJML file to the HTML template the runtime fills. */
export async function compileMjml(file: string): Promise<string> {
  const source = readFileSync(file, "utf8");
  const result = await mjml2html(source, {
    filePath: file,
    ignoreIncludes: false,
    includePath: TEMPLATES_DIR,
    validationLevel: "strict",
    keepComments: false,
    // No web fonts: an email must not load remote resources; the font stack is system fonts.
    fonts: {},
  });
  const html = result.html;
  if (/mj-include (fails|denied)/.test(html)) {
    throw new Error(
      `${file}: an <mj-include> could not be read: ${html.match(/<!-- mj-include[^>]*-->/)?.[0]}`,
    );
  }
  // Indentation is repeated for every rendered row: drop it (nothing here is whitespace-
  // sensitive; line breaks stay so that Outlook's conditional comments keep their shape).
  return `${html
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join("\n")}\n`;
}

/** Compiles every top-level `*.mjml` of `sourceDir` into `distDir`; returns the files written. */
export async function buildTemplates(
  sourceDir: string = TEMPLATES_DIR,
  distDir: string = DIST_DIR,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  mkdirSync(distDir, { recursive: true });
  const written: string[] = [];
  for (const name of readdirSync(sourceDir).filter((file) => file.endsWith(".mjml"))) {
    const html = await compileMjml(join(sourceDir, name));
    const outName = name.replace(/\.mjml$/, ".html");
    compileTemplate(html, `templates/dist/${outName}`); // fails the build on a bad placeholder
    writeFileSync(join(distDir, outName), html);
    written.push(join(distDir, outName));
    log(`templates: ${name} → templates/dist/${outName} (${html.length} bytes)`);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildTemplates(TEMPLATES_DIR, DIST_DIR, (line) => process.stdout.write(`${line}\n`));
}
