// Runs in <head> before the first paint: applies the theme the person chose (light or dark); without a choice the page
// follows the system through prefers-color-scheme. The choice is stored at the gateway (Settings) and copied here by
// chatPlatformTheme.apply whenever a page reads or saves it, so it follows the person to every device and the next
// page load on this one paints in it from the start.
(function () {
    try {
        var theme = localStorage.getItem("theme");
        if (theme === "light" || theme === "dark") {
            document.documentElement.dataset.theme = theme;
        }
    } catch (e) {
        // Storage may be blocked; the system theme applies.
    }

    window.chatPlatformTheme = {
        // "light" or "dark" forces that theme; "system" (or anything else) follows the system again.
        apply: function (theme) {
            var forced = theme === "light" || theme === "dark";
            if (forced) {
                document.documentElement.dataset.theme = theme;
            } else {
                delete document.documentElement.dataset.theme;
            }
            try {
                if (forced) {
                    localStorage.setItem("theme", theme);
                } else {
                    localStorage.removeItem("theme");
                }
            } catch (e) {
                // Not kept across reloads when storage is blocked; the gateway's copy still applies on the next load.
            }
            document.dispatchEvent(new CustomEvent("chatplatform:theme"));
        },
    };
})();
