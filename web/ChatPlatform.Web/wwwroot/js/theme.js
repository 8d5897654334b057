// Runs in <head> before the first paint: applies the theme the person chose (light or dark); without a choice the page
// follows the system through prefers-color-scheme.
(function () {
    try {
        var theme = localStorage.getItem("theme");
        if (theme === "light" || theme === "dark") {
            document.documentElement.dataset.theme = theme;
        }
    } catch (e) {
        // Storage may be blocked; the system theme applies.
    }
})();
