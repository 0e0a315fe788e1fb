import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { expect } from "chai";
import { ERROR_STATUS } from "../../src/errors.js";
import { apiCallsMarkdown, openApiDocument } from "../../src/http/openapi.js";
import { ROUTES, VERSION } from "../../src/http/routes.js";

// The documentation against the code: README.md's configuration table names every setting the
// code reads, docs/api.md's error table every error code with its status, and every relative
// link of README.md and docs/*.md lands on a file (and, with `#anchor`, on a heading there).
const root = join(__dirname, "..", "..", "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");
const docsFiles = (): string[] =>
  readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);

/** The lines outside fenced code blocks; a line inside one becomes empty (examples are not documentation). */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return "";
    }
    return fence === undefined ? line : "";
  });
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

/** The lines under the heading whose text is `title`, up to the next heading of the same or a higher level. */
function section(markdown: string, title: string): string[] {
  const lines = prose(markdown);
  const start = lines.findIndex((line) => HEADING.exec(line)?.[2] === title);
  if (start < 0) throw new Error(`no heading "${title}"`);
  const level = HEADING.exec(lines[start] ?? "")?.[1]?.length ?? 1;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => (HEADING.exec(line)?.[1]?.length ?? 7) <= level);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The cells of every table row in `lines` (separator rows left out); `\|` stays inside its cell. */
function tableRows(lines: readonly string[]): string[][] {
  return lines
    .filter((line) => line.trimStart().startsWith("|") && !/^\s*\|[\s:|-]+\|\s*$/.test(line))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, "")
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, each space a '-'. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown file's headings, a repeated one numbered as GitHub does (`name-1`, ...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(markdown)) {
    const text = HEADING.exec(line)?.[2];
    if (text === undefined) continue;
    const base = slug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The targets of the inline links and images of a Markdown file, outside code. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, "");
    for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (match[1] !== undefined) targets.push(match[1]);
    }
  }
  return targets;
}

describe("documentation (README.md, docs/*.md) against the code", () => {
  it("README's configuration table lists every setting of config.ts's EnvSchema and every deploy parameter and secret of index.ts, and nothing else", () => {
    const source = read("functions/src/config.ts");
    const start = source.indexOf("const EnvSchema = z.object({");
    expect(start, "const EnvSchema = z.object({ in config.ts").to.be.at.least(0);
    const body = source.slice(start, source.indexOf("\n});", start));
    const schemaKeys = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? "");
    expect(schemaKeys).to.include.members(["DEFAULT_ROLE_ID", "REQUIRE_VERIFIED_EMAIL", "MAIL_TRANSPORT", "MAIL_FROM", "CORS_ORIGINS"]);

    const deployNames = [...read("functions/src/index.ts").matchAll(/define(?:Int|String|Boolean|Secret)\(\s*"([A-Z][A-Z0-9_]*)"/g)].map(
      (m) => m[1] ?? "",
    );
    expect(deployNames).to.include.members(["AUTH_MAX_INSTANCES", "AUTH_MIN_INSTANCES", "AUTH_HMAC_KEY", "SMTP_URL"]);

    const documented = tableRows(section(read("README.md"), "Configuration")).flatMap((cells) =>
      [...(cells[0] ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ""),
    );
    const expected = new Set([...schemaKeys, ...deployNames]);
    expect(
      [...expected].filter((name) => !documented.includes(name)),
      "settings missing from README's configuration table",
    ).to.deep.equal([]);
    expect(
      documented.filter((name) => !expected.has(name)),
      "names in README's configuration table that the code does not read",
    ).to.deep.equal([]);
    expect(documented.length, "each setting in one row").to.equal(new Set(documented).size);
  });

  it("docs/api.md's error table lists exactly the codes of ERROR_STATUS, each with its HTTP status", () => {
    const rows = tableRows(section(read("docs/api.md"), "Errors"))
      .map(([status, code]) => [status ?? "", /^`([a-z_]+)`$/.exec(code ?? "")?.[1]] as const)
      .filter(([status, code]) => /^\d{3}$/.test(status) && code !== undefined);
    const table: Record<string, number> = {};
    for (const [status, code] of rows) {
      expect(table, `${code} listed twice`).to.not.have.property(code ?? "");
      table[code ?? ""] = Number(status);
    }
    expect(table).to.deep.equal({ ...ERROR_STATUS });
  });

  it("docs/flutterflow.md's list of API calls is the one the OpenAPI document makes (run `npm run openapi` after changing a route)", () => {
    const text = readFileSync(join(__dirname, "..", "..", "..", "docs", "flutterflow.md"), "utf8");
    const start = "<!-- api-calls:start (npm run openapi writes this table) -->\n";
    const section = text.slice(text.indexOf(start) + start.length, text.indexOf("<!-- api-calls:end -->"));
    expect(text.indexOf(start)).to.be.above(0);
    const rows = (table: string) => table.split("\n").filter((line) => line.startsWith("| `"));
    const made = rows(apiCallsMarkdown(openApiDocument(ROUTES, VERSION)));
    const committed = rows(section);
    // The rows that differ, named, before the whole comparison.
    expect(
      committed.filter((row) => !made.includes(row)),
      "rows of the guide the code does not make (npm run openapi)",
    ).to.deep.equal([]);
    expect(
      made.filter((row) => !committed.includes(row)),
      "rows the code makes that the guide lacks (npm run openapi)",
    ).to.deep.equal([]);
    expect(section).to.equal(apiCallsMarkdown(openApiDocument(ROUTES, VERSION)));
    // One row per method of every route in the table.
    const operations = Object.values(ROUTES).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
    expect(committed).to.have.length(operations);
  });

  it("the guide's liveSession() lines are, verbatim, the ones firestore.rules has (which the rules tests evaluate)", () => {
    const guide = /<!-- live-session:start[^>]*-->\n```\n([\s\S]*?)\n```\n<!-- live-session:end -->/.exec(read("docs/flutterflow.md"))?.[1];
    expect(guide, "docs/flutterflow.md has the marked block").to.be.a("string");
    const rules = read("firestore.rules");
    for (const block of (guide ?? "").split("\n\n")) expect(rules, "firestore.rules").to.include(block);
    expect(guide).to.include("function liveSession()");
  });

  it("README.md has at most 260 lines and links every docs/*.md file", () => {
    const readme = read("README.md");
    expect(readme.replace(/\n$/, "").split("\n").length).to.be.at.most(260);
    const linked = new Set(linkTargets(readme).map((target) => target.split("#")[0]));
    expect(docsFiles().filter((file) => !linked.has(file))).to.deep.equal([]);
  });

  it("every relative link in README.md and docs/*.md points to an existing file, and every #anchor to a heading there", () => {
    const broken: string[] = [];
    for (const file of ["README.md", ...docsFiles()]) {
      const text = read(file);
      for (const target of linkTargets(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path = "", anchor] = target.split("#");
        const resolved = path === "" ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
        if (!resolved.startsWith(root) || !existsSync(resolved)) {
          broken.push(`${file}: ${target} (no file ${relative(root, resolved)})`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${file}: ${target} (no heading #${anchor} in ${relative(root, resolved)})`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("anchors are made as GitHub makes them", () => {
    expect(slug("Throttling (password guessing, signups)")).to.equal("throttling-password-guessing-signups");
    expect(slug("`POST /signup`")).to.equal("post-signup");
    expect(slug("Signup, all or nothing")).to.equal("signup-all-or-nothing");
    expect(slug("AUTH_MIN_INSTANCES and cost")).to.equal("auth_min_instances-and-cost");
    expect([...anchors("# A\n\n```\n# not a heading\n```\n## A\n")]).to.deep.equal(["a", "a-1"]);
  });
});
