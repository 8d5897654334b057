// The chat page's browser side: Enter to send, the composer's height, scroll-follow with a jump-to-latest button,
// code highlighting, copy buttons and the theme toggle. Listeners are delegated from the document, so they survive
// Blazor's re-renders. Formulas and diagrams are drawn by rich.js.
import { renderRichContent } from "./rich.js";

const followThreshold = 80;
// highlight.js (about 380 KB with its common languages) is loaded with the first code block, not with the page.
let highlighter = null;
let initialized = false;
let follow = true;
// Where the last automatic scroll left the list: a position above it means the reader scrolled up, even when the scroll
// event announcing it has not arrived yet.
let autoScrolledTo = 0;

export function init() {
    if (!initialized) {
        initialized = true;
        document.addEventListener("keydown", onKeyDown);
        document.addEventListener("input", onInput);
        document.addEventListener("click", onClick);
        document.addEventListener("chatplatform:theme", updateThemeButton);
    }
    watchMessages();
    updateThemeButton();
    return {
        timezoneOffsetMinutes: new Date().getTimezoneOffset(),
        narrow: window.matchMedia("(max-width: 768px)").matches,
    };
}

// A search result opened: its message brought into view and marked for a moment. Following the end stops, or the
// next delta would scroll away from it.
export function scrollToMessage(id) {
    const message = document.querySelector(`[data-message-id="${CSS.escape(id)}"]`);
    if (!message) {
        return;
    }
    follow = false;
    message.scrollIntoView({ block: "center" });
    message.classList.add("search-target");
    setTimeout(() => message.classList.remove("search-target"), 2500);
}

export function timezoneOffsetMinutes() {
    return new Date().getTimezoneOffset();
}

export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
    } catch {
        const area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
    }
}

function onKeyDown(event) {
    const target = event.target;
    if (onShortcut(event)) {
        event.preventDefault();
        return;
    }
    // Escape closes the conversations drawer at phone width.
    if (event.key === "Escape" && document.querySelector(".app.sidebar-open") && window.matchMedia("(max-width: 768px)").matches) {
        document.querySelector(".close-sidebar")?.click();
        return;
    }
    if (event.key !== "Enter" || event.isComposing || !(target instanceof HTMLTextAreaElement) || target.id !== "composer-input") {
        return;
    }
    // The person's setting (data-enter-sends): Enter sends and Shift+Enter is a new line, or Enter is a new line and
    // Ctrl/Cmd+Enter sends. Ctrl/Cmd+Enter sends either way.
    const modified = event.ctrlKey || event.metaKey;
    const sends = target.dataset.enterSends === "false" ? modified : !event.shiftKey;
    if (sends) {
        event.preventDefault();
        target.form?.requestSubmit();
    }
}

// The keyboard shortcuts (ShortcutsDialog.razor lists them): each presses the button that does the same, so the page
// behaves as if it were clicked. True when the key was one of them and did something.
function onShortcut(event) {
    const key = event.key.toLowerCase();
    const command = (event.ctrlKey || event.metaKey) && !event.altKey;
    if (command && key === "k") {
        return press(".search-open");
    }
    if (command && event.shiftKey && key === "o") {
        return press(".new-chat");
    }
    if (command && event.shiftKey && key === "c") {
        return press(lastOf("article.message.assistant .message-actions .copy-message"));
    }
    if (event.key === "Escape" && event.shiftKey) {
        const composer = document.getElementById("composer-input");
        composer?.focus();
        return Boolean(composer);
    }
    // A dialog takes its own Escape (it closes); otherwise Escape stops an answer that is streaming.
    if (event.key === "Escape" && !modalOpen()) {
        return press(".composer-button.stop");
    }
    if (event.key === "?" && !command && !inTextField(event.target) && !modalOpen()) {
        return press(".shortcuts-open");
    }
    // Arrow up in an empty composer edits my last message, as in a terminal's history.
    if (event.key === "ArrowUp" && !command && !event.shiftKey && !event.altKey
        && event.target.id === "composer-input" && event.target.value === "") {
        return press(lastOf("article.message.user .message-actions .edit-message"));
    }
    return false;
}

function press(selectorOrElement) {
    const element = typeof selectorOrElement === "string" ? document.querySelector(selectorOrElement) : selectorOrElement;
    if (!element || element.disabled) {
        return false;
    }
    element.click();
    return true;
}

function lastOf(selector) {
    const all = document.querySelectorAll(selector);
    return all.length === 0 ? null : all[all.length - 1];
}

function modalOpen() {
    return document.querySelector("[role=dialog][aria-modal=true]") !== null;
}

function inTextField(element) {
    return element instanceof Element && element.matches("input, textarea, select, [contenteditable], [contenteditable] *");
}

function onInput(event) {
    if (event.target instanceof HTMLTextAreaElement && event.target.id === "composer-input") {
        autosize(event.target);
    }
}

export function autosize(area) {
    if (area) {
        area.style.height = "auto";
        area.style.height = Math.min(area.scrollHeight, 240) + "px";
    }
}

// The composer takes the focus when a chat opens, unless a person is typing in another field (a list such as the model
// picker is not typing: a new chat opened from it still focuses the composer); not on a phone, where it would open the
// keyboard over the chat.
export function focusComposer(area) {
    if (!area || area.disabled || window.matchMedia("(max-width: 768px)").matches) {
        return;
    }
    const active = document.activeElement;
    if (active && active !== area && active.matches("input, textarea, [contenteditable]")) {
        return;
    }
    area.focus({ preventScroll: true });
}

function onClick(event) {
    const copyCode = event.target.closest?.("[data-copy-code]");
    if (copyCode) {
        const code = copyCode.closest(".code-block")?.querySelector("code");
        if (code) {
            copyText(code.innerText).then(() => flash(copyCode, "Copied"));
        }
        return;
    }
    const themeToggle = event.target.closest?.("[data-theme-toggle]");
    if (themeToggle) {
        toggleTheme(themeToggle);
        return;
    }
    if (event.target.closest?.(".show-earlier button")) {
        rememberReadingPosition();
        return;
    }
    if (event.target.closest?.(".jump-latest")) {
        follow = true;
        scrollToEnd(true);
    }
}

function flash(button, text) {
    const original = button.textContent;
    button.textContent = text;
    setTimeout(() => (button.textContent = original), 1500);
}

// ---- Theme ----

function effectiveTheme() {
    return document.documentElement.dataset.theme
        ?? (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
}

// The header's toggle flips the theme at once, here, and tells the page (ThemeEvents.cs), which saves it to the
// settings so the other devices follow.
function toggleTheme(button) {
    const next = effectiveTheme() === "dark" ? "light" : "dark";
    window.chatPlatformTheme.apply(next);
    button.dispatchEvent(new CustomEvent("themechosen", { bubbles: true, detail: { theme: next } }));
}

function updateThemeButton() {
    const button = document.querySelector("[data-theme-toggle]");
    if (button) {
        const dark = effectiveTheme() === "dark";
        button.setAttribute("aria-label", dark ? "Switch to light theme" : "Switch to dark theme");
        button.setAttribute("aria-pressed", dark ? "true" : "false");
    }
}

// ---- Messages: scroll-follow and highlighting ----

let observed = null;
let scheduled = false;

function messages() {
    return document.getElementById("messages");
}

function watchMessages() {
    const root = messages();
    if (!root || root === observed) {
        return;
    }
    observed = root;
    root.addEventListener("scroll", () => {
        // Any scroll but the one keeping the reader's place (below) is the reader's or the page's own: the place is let go.
        if (readingAnchor && Math.abs(root.scrollTop - readingAnchor.scrollTop) > 1) {
            readingAnchor = null;
        }
        follow = root.scrollHeight - root.scrollTop - root.clientHeight < followThreshold;
        updateJumpButton();
    }, { passive: true });
    new MutationObserver(() => {
        keepReadingPosition();
        onMessagesChanged();
    }).observe(root, { childList: true, subtree: true, characterData: true });
    onMessagesChanged();
}

// "Show N earlier messages" draws them above the message being read. CSS scroll anchoring is off on the list (it fought
// following the end while an answer streams), and Chromium does not anchor at scroll offset 0 anyway, where the button
// is: so the first message on show before the click is kept at its place in the viewport, by scrolling as much as the
// messages drawn above it (and formulas or diagrams drawn in them later) push it down, until something else scrolls.
let readingAnchor = null;

function rememberReadingPosition() {
    const root = messages();
    if (!root) {
        return;
    }
    const top = root.getBoundingClientRect().top;
    const first = [...root.querySelectorAll("article.message")].find(message => message.getBoundingClientRect().bottom > top);
    readingAnchor = first ? { message: first, offset: first.getBoundingClientRect().top - top, scrollTop: root.scrollTop } : null;
}

// Runs in the mutation observer's callback: after Blazor changed the page and before it is painted, so nothing jumps.
function keepReadingPosition() {
    const root = messages();
    if (!readingAnchor || !root) {
        return;
    }
    const { message, offset } = readingAnchor;
    if (!message.isConnected) {
        readingAnchor = null;
        return;
    }
    const pushed = message.getBoundingClientRect().top - root.getBoundingClientRect().top - offset;
    if (Math.abs(pushed) >= 1) {
        follow = false;
        root.scrollTop += pushed;
        readingAnchor.scrollTop = root.scrollTop;
    }
}

function onMessagesChanged() {
    if (scheduled) {
        return;
    }
    scheduled = true;
    requestAnimationFrame(() => {
        scheduled = false;
        const root = messages();
        if (!root) {
            return;
        }
        const blocks = root.querySelectorAll("pre code:not([data-highlighted])");
        if (blocks.length > 0) {
            highlighter ??= import("../lib/highlight.js").then(module => module.default);
            highlighter.then(hljs => blocks.forEach(code => code.isConnected && !code.dataset.highlighted && highlight(hljs, code)));
        }
        renderRichContent(root);
        const atEnd = root.scrollHeight - root.scrollTop - root.clientHeight < followThreshold;
        if (follow && !atEnd && root.scrollTop < autoScrolledTo - followThreshold) {
            follow = false;
        }
        if (follow) {
            scrollToEnd(false);
        }
        updateJumpButton();
    });
}

function highlight(hljs, code) {
    const language = [...code.classList].find(c => c.startsWith("language-"))?.slice("language-".length);
    if (language && !hljs.getLanguage(language)) {
        code.dataset.highlighted = "none";
        return;
    }
    hljs.highlightElement(code);
}

function scrollToEnd(smooth) {
    const root = messages();
    if (root) {
        root.scrollTo({ top: root.scrollHeight, behavior: smooth ? "smooth" : "instant" });
        autoScrolledTo = root.scrollTop;
    }
}

function updateJumpButton() {
    const root = messages();
    const button = document.querySelector(".jump-latest");
    if (root && button) {
        button.hidden = follow || root.scrollHeight <= root.clientHeight;
    }
}
