// Blazor's JavaScript initializer for the app (found by its name). Blazor sends a textarea's whole value with every
// input event (twice: the event's value and the field's), so a text longer than the composer's data-max-length would
// cost megabytes a keystroke and close the circuit. Such an input event is stopped before Blazor sees it, and the
// form is told the length instead (ComposerEvents.cs): nothing of the text is sent.
//
// The header's theme toggle says which theme it chose ("themechosen", ThemeEvents.cs), for the page to save it.
export function afterWebStarted(blazor) {
    blazor.registerCustomEventType("themechosen", {
        browserEventName: "themechosen",
        createEventArgs: event => ({ theme: event.detail?.theme ?? "system" }),
    });
    blazor.registerCustomEventType("composertoolong", {
        browserEventName: "composertoolong",
        createEventArgs: event => ({ length: event.detail?.length ?? 0 }),
    });
    window.addEventListener("input", event => {
        const area = event.target;
        if (!(area instanceof HTMLTextAreaElement) || !area.dataset.maxLength) {
            return;
        }
        const max = Number(area.dataset.maxLength);
        if (max > 0 && area.value.length > max) {
            event.stopImmediatePropagation();
            area.form?.dispatchEvent(new CustomEvent("composertoolong", { bubbles: true, detail: { length: area.value.length } }));
        }
    }, true);
}
