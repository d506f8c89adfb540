// Type-to-search for the region picker (macros.html region_picker). Progressive enhancement:
// without this file the picker is a plain <select> grouped by province and city.
"use strict";

const VISIBLE_ROWS = 8;

function matches(option, text) {
  return option.textContent.includes(text) || option.value.startsWith(text);
}

// Shows only the options whose name or code matches; returns how many are shown.
function filterOptions(select, text) {
  let shown = 0;
  for (const group of select.querySelectorAll("optgroup")) {
    let any = false;
    for (const option of group.querySelectorAll("option")) {
      option.hidden = Boolean(text) && !matches(option, text);
      if (!option.hidden) {
        any = true;
        shown += 1;
      }
    }
    group.hidden = !any;
  }
  return shown;
}

function firstShown(select) {
  return [...select.querySelectorAll("optgroup option")].find((option) => !option.hidden);
}

function enhance(field) {
  const select = field.querySelector("select");
  const search = document.createElement("input");
  search.type = "search";
  search.id = `${select.id}-search`;
  search.autocomplete = "off";
  search.setAttribute("aria-controls", select.id);
  const label = document.createElement("label");
  label.htmlFor = search.id;
  label.textContent = `查找${field.dataset.label}（地名或代码）`;
  const status = document.createElement("p");
  status.className = "hint picker-status";
  status.id = `${select.id}-matches`;
  status.setAttribute("aria-live", "polite");
  search.setAttribute("aria-describedby", status.id);
  const box = document.createElement("div");
  box.className = "picker-search";
  box.append(label, search, status);
  select.before(box);

  search.addEventListener("input", () => {
    const text = search.value.trim();
    const shown = filterOptions(select, text);
    if (!select.multiple) {  // a list of the matches, instead of a closed drop-down
      if (text) select.size = Math.min(VISIBLE_ROWS, Math.max(2, shown));
      else select.removeAttribute("size");
    }
    status.textContent = !text ? ""
      : shown ? `找到 ${shown} 个地区：按回车选择第一个，或按 ↓ 键到列表中选择。`
      : "没有找到该地区，请换个地名或代码。";
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {  // choose, never submit the form from the search box
      event.preventDefault();
      const option = firstShown(select);
      if (option) {
        option.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        status.textContent = `已选择：${option.textContent}`;
      }
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      select.focus();
    }
  });
}

for (const field of document.querySelectorAll("[data-region-picker]")) {
  enhance(field);
}
