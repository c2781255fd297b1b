// Runs Pagefind's browser search module in Node: `fetch` reads the index from disk.
// In: SB_SITE_DIR (a built language, e.g. book/ko), SB_QUERIES (a JSON array of strings).
// Out: a JSON array of { query, total, hits: [{ url, title, score, excerpt }] } (ten hits at most).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(process.env.SB_SITE_DIR);
const queries = JSON.parse(process.env.SB_QUERIES);

globalThis.fetch = async (url) => {
    const u = new URL(String(url), "http://book.invalid/");
    const file = path.join(root, decodeURIComponent(u.pathname));
    try {
        return new Response(await readFile(file), { status: 200 });
    } catch {
        return new Response("not found", { status: 404 });
    }
};

const pagefind = await import(pathToFileURL(path.join(root, "pagefind", "pagefind.js")).href);
await pagefind.options({ basePath: "/pagefind/", baseUrl: "/" });
const out = [];
for (const query of queries) {
    const r = await pagefind.search(query);
    const hits = [];
    for (const result of r.results.slice(0, 10)) {
        const d = await result.data();
        hits.push({ url: d.url, title: d.meta?.title ?? "", score: result.score, excerpt: d.excerpt });
    }
    out.push({ query, total: r.results.length, hits });
}
process.stdout.write(JSON.stringify(out));
