import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  escapeHtml,
  plainText,
  TemplateError,
} from "../../../functions/lib/report/email/template.ts";

describe("template renderer", () => {
  it("escapes every value for HTML text and attributes", () => {
    const template = compileTemplate('<td title="{{label}}">{{label}}</td>');
    expect(template.render({ label: `<script>alert("x")</script> & 'q'` })).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</td>',
    );
    expect(escapeHtml("a&b")).toBe("a&amp;b");
  });

  it("prints numbers, empty strings for null, and nested paths", () => {
    const template = compileTemplate("{{a.b.c}}|{{n}}|{{missing}}|{{zero}}");
    expect(template.render({ a: { b: { c: "deep" } }, n: 1.5, missing: null, zero: 0 })).toBe(
      "deep|1.5||0",
    );
  });

  it("repeats each blocks, looking names up on the item first, then outwards", () => {
    const template = compileTemplate(
      "{{#each rows}}[{{label}}:{{#each cells}}{{this}}{{unit}},{{/each}}]{{/each}}",
    );
    expect(
      template.render({
        unit: "%",
        rows: [
          { label: "a", cells: [1, 2] },
          { label: "b", cells: [] },
        ],
      }),
    ).toBe("[a:1%,2%,][b:]");
  });

  it("renders if/else and unless, with empty lists false", () => {
    const template = compileTemplate(
      "{{#if items}}some{{else}}none{{/if}}/{{#unless flag}}off{{/unless}}/{{#if flag}}on{{/if}}",
    );
    expect(template.render({ items: [], flag: false })).toBe("none/off/");
    expect(template.render({ items: [1], flag: "yes" })).toBe("some//on");
  });

  it("leaves text templates unescaped when asked", () => {
    expect(compileTemplate("{{x}}").render({ x: "a < b & c" }, { escape: plainText })).toBe(
      "a < b & c",
    );
  });

  it("fails on a name the data does not have, naming the template and line", () => {
    const template = compileTemplate("line one\n{{title}} {{subtitle}}", "daily.html");
    expect(() => template.render({ title: "x" })).toThrow(
      new TemplateError('daily.html:2: {{subtitle}}: no "subtitle" in the data'),
    );
    expect(() => compileTemplate("{{a.b}}").render({ a: { c: 1 } })).toThrow(/no "b"/);
    expect(() => compileTemplate("{{a}}").render({ a: { nested: true } })).toThrow(
      /not a printable value/,
    );
  });

  it("rejects malformed templates", () => {
    expect(() => compileTemplate("{{#each rows}}x")).toThrow(/never closed/);
    expect(() => compileTemplate("{{#if a}}x{{/each}}")).toThrow(/closes \{\{#if\}\}/);
    expect(() => compileTemplate("{{else}}")).toThrow(/outside/);
    expect(() => compileTemplate("{{{raw}}}")).toThrow(/triple braces/);
    expect(() => compileTemplate("a {{ #bogus x }} b {{ok}}")).toThrow(/"\{\{" that is not a tag/);
    expect(() => compileTemplate("{{ok}} and {{ trailing")).toThrow(/not a tag/);
  });
});

describe("standalone block tags", () => {
  it("take their whole line, so that loops in text templates leave no blank lines", () => {
    const template = compileTemplate(
      "A\n{{#each items}}\n  - {{this}}\n{{/each}}\n{{#if none}}\nx\n{{/if}}\nB\n",
    );
    expect(template.render({ items: [1, 2], none: false }, { escape: plainText })).toBe(
      "A\n  - 1\n  - 2\nB\n",
    );
  });

  it("keep inline block tags and their spaces", () => {
    expect(compileTemplate("a {{#if x}}b{{/if}} c").render({ x: true })).toBe("a b c");
  });
});
