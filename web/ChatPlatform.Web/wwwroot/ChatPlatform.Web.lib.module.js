// Blazor's JavaScript initializer for the app (found by its name): registers the composer's input event, which sends
// the text only while it is within the textarea's data-max-length, and its length always (ComposerInputEventArgs.cs).
export function afterWebStarted(blazor) {
    blazor.registerCustomEventType("composerinput", {
        browserEventName: "input",
        createEventArgs: event => {
            const area = event.target;
            const length = area.value?.length ?? 0;
            const max = Number(area.dataset?.maxLength);
            return { value: max > 0 && length > max ? null : area.value, length };
        },
    });
}
