// Loaded before uPlot. A browser started under a POSIX locale (LANG=C.UTF-8, the default of
// containers and servers) may report navigator.language as "en-US@posix", which is not a BCP 47
// tag: uPlot builds `new Intl.NumberFormat(navigator.language)` when it loads and throws a
// RangeError, leaving `uPlot` undefined. Report the tag without its "@modifier" (or "en-US") instead.
(() => {
  const valid = (tag) => {
    try {
      new Intl.NumberFormat(tag);
      return true;
    } catch {
      return false;
    }
  };
  const reported = navigator.language;
  if (valid(reported)) return;
  const stripped = String(reported).split("@")[0].replace(/_/g, "-");
  const tag = stripped && valid(stripped) ? stripped : "en-US";
  Object.defineProperty(Navigator.prototype, "language", { get: () => tag, configurable: true });
})();
