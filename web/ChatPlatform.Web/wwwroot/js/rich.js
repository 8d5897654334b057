// Formulas and diagrams in answers, drawn in the browser from the app's own copies of KaTeX and Mermaid (loaded with the
// first formula or diagram, not with the page). The server marks them (MarkdownRenderer): a formula is a span with its
// TeX in data-tex and its source as text; a diagram is a complete ```mermaid block. Blazor replaces an answer's markup
// with each streamed token, so drawings are cached by source and put back at once rather than drawn again.
// Only the inside of the marked elements changes: Blazor keeps track of the elements it inserted.

let katexLoader = null;
let mermaidLoader = null;
const formulas = new Map();
const diagrams = new Map();
const cacheLimit = 200;
let diagramCount = 0;

// trust off: \href, \url, \includegraphics and \html* render as plain text, never as a link, an image or an attribute.
// maxExpand and maxSize bound what a hostile formula can cost.
const katexOptions = { trust: false, strict: "ignore", throwOnError: true, maxExpand: 1000, maxSize: 20, output: "htmlAndMathml" };

export function renderRichContent(root) {
    const pending = root.querySelectorAll(".math[data-tex]:not([data-typeset])");
    if (pending.length > 0) {
        katexLoader ??= loadKatex();
        katexLoader.then(katex => pending.forEach(span => span.isConnected && typeset(katex, span)));
    }
    const blocks = root.querySelectorAll(".code-block[data-mermaid]:not([data-drawn])");
    if (blocks.length > 0) {
        mermaidLoader ??= loadMermaid();
        mermaidLoader.then(mermaid => blocks.forEach(block => block.isConnected && draw(mermaid, block)));
    }
}

function loadKatex() {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("../lib/katex/katex.min.css", import.meta.url).href;
    document.head.appendChild(link);
    return import("../lib/katex/katex.js").then(module => module.default);
}

function loadMermaid() {
    return import("../lib/mermaid.js").then(module => {
        const mermaid = module.default;
        // strict: labels are text (HTML encoded), click directives and links do nothing, no script runs.
        mermaid.initialize({
            startOnLoad: false,
            securityLevel: "strict",
            theme: document.documentElement.dataset.theme === "dark" ? "dark" : "default",
            maxTextSize: 20000,
        });
        return mermaid;
    });
}

// Mermaid's strict level already turns clicks and links off; as a second line of defence, should a version or a diagram
// type let one through, the directives that add clicks, callbacks and links are dropped before Mermaid reads the source...
function withoutInteractions(source) {
    return source.replace(/^[ \t]*(click|call|callback|href|link|links)\b.*$/gim, "");
}

// ...and whatever it draws is parsed inert (a template runs and loads nothing) and loses every event handler and every
// URL but a reference within the drawing (#id), so nothing in it can run a script, navigate or fetch.
function sanitizeSvg(svg) {
    const template = document.createElement("template");
    template.innerHTML = svg;
    template.content.querySelectorAll("script, iframe, object, embed, link, meta").forEach(element => element.remove());
    for (const element of template.content.querySelectorAll("*")) {
        for (const attribute of [...element.attributes]) {
            const name = attribute.name.toLowerCase();
            const url = name === "href" || name.endsWith(":href") || name === "src" || name === "action" || name === "formaction";
            if (name.startsWith("on") || (url && !attribute.value.trim().startsWith("#"))) {
                element.removeAttribute(attribute.name);
            }
        }
    }
    return template.innerHTML;
}

function remember(cache, key, value) {
    if (cache.size >= cacheLimit) {
        cache.delete(cache.keys().next().value);
    }
    cache.set(key, value);
}

function typeset(katex, span) {
    if (span.dataset.typeset) {
        return;
    }
    const tex = span.dataset.tex;
    const display = span.dataset.math === "display";
    const key = (display ? "D" : "I") + tex;
    let html = formulas.get(key);
    if (html === undefined) {
        try {
            html = katex.renderToString(tex, { ...katexOptions, displayMode: display });
        } catch {
            // Not TeX that KaTeX reads (or over its limits): the source text stays.
            html = null;
        }
        remember(formulas, key, html);
    }
    if (html === null) {
        span.dataset.typeset = "failed";
        span.classList.add("math-error");
        span.title = "This formula could not be typeset";
        return;
    }
    span.innerHTML = html;
    span.dataset.typeset = "done";
}

async function draw(mermaid, block) {
    if (block.dataset.drawn) {
        return;
    }
    block.dataset.drawn = "pending";
    const source = block.querySelector("code")?.textContent ?? "";
    let svg = diagrams.get(source);
    if (svg === undefined) {
        svg = null;
        try {
            // parse first: on a syntax error render would leave an error drawing in the page.
            const inert = withoutInteractions(source);
            if (await mermaid.parse(inert, { suppressErrors: true })) {
                svg = sanitizeSvg((await mermaid.render(`mermaid-diagram-${++diagramCount}`, inert)).svg);
            }
        } catch {
            svg = null;
        }
        remember(diagrams, source, svg);
    }
    if (!block.isConnected) {
        return;
    }
    if (svg === null) {
        // The code block stays as it is.
        block.dataset.drawn = "failed";
        return;
    }
    const figure = document.createElement("div");
    figure.className = "mermaid-diagram";
    figure.setAttribute("role", "img");
    figure.setAttribute("aria-label", "Diagram");
    figure.innerHTML = svg;
    block.appendChild(figure);
    block.dataset.drawn = "done";
}
