// After a navigation, move focus to the new screen's heading once its content is there, as
// a page load would: screen readers announce it and the next Tab starts from it. Not on
// the first load (the browser starts at the top of the document).
import { useEffect } from "preact/hooks";

let navigated = false;
window.addEventListener("hashchange", () => { navigated = true; });

export function useScreenFocus(ready: boolean): void {
  useEffect(() => {
    if (!ready || !navigated) return;
    navigated = false;
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [ready]);
}
