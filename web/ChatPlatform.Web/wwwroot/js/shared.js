// The public page of a shared conversation (rendered on the server, no circuit): its formulas and diagrams are drawn
// by the chat page's own rich.js, with the same safety (KaTeX trust off, Mermaid strict, drawings sanitised).
import { renderRichContent } from "./rich.js";

const messages = document.getElementById("messages");
if (messages) {
    renderRichContent(messages);
}
