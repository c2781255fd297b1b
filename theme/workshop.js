// The workshop part: a toolbar on every page with instructor notes to show them all at once,
// and to choose whether printing keeps them; works offline, nothing is loaded from anywhere.
// Loaded on every page after mdBook's book.js (book.toml: output.html.additional-js).
(function () {
    "use strict";
    const html = document.documentElement;
    const ko = html.lang === "ko";
    const text = ko
        ? { show: "강사 노트 모두 보기", hide: "강사 노트 모두 접기", print: "인쇄할 때 강사 노트 포함", count: function (n) { return "이 페이지의 강사 노트: " + n + "개"; } }
        : { show: "Show all instructor notes", hide: "Hide all instructor notes", print: "Print with instructor notes", count: function (n) { return n === 1 ? "1 instructor note on this page" : n + " instructor notes on this page"; } };

    // The chapters write <details><summary>Instructor notes</summary>; the Korean build
    // labels them 강사 노트. Give them all the class the workshop pages use.
    const labels = ["Instructor notes", "강사 노트"];
    document.querySelectorAll("main details").forEach(function (d) {
        const summary = d.querySelector(":scope > summary");
        if (summary && labels.indexOf(summary.textContent.trim()) >= 0) {
            d.classList.add("instructor-notes");
        }
    });
    const notes = Array.prototype.slice.call(document.querySelectorAll("main details.instructor-notes"));
    if (notes.length === 0) {
        return;
    }

    const KEY = "sb-workshop-print-notes";
    let printNotes = false;
    try { printNotes = localStorage.getItem(KEY) === "1"; } catch (e) { }
    html.classList.toggle("workshop-print-notes", printNotes);

    const bar = document.createElement("div");
    bar.className = "workshop-notes-bar";
    // A group a screen reader names: its button and checkbox are about the notes.
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", ko ? "강사 노트" : "Instructor notes");
    const count = document.createElement("span");
    count.textContent = text.count(notes.length);
    const button = document.createElement("button");
    button.type = "button";
    function allOpen() {
        return notes.every(function (d) { return d.open; });
    }
    function label() {
        button.textContent = allOpen() ? text.hide : text.show;
        button.setAttribute("aria-pressed", allOpen() ? "true" : "false");
    }
    button.addEventListener("click", function () {
        const open = !allOpen();
        notes.forEach(function (d) { d.open = open; });
        label();
    });
    notes.forEach(function (d) { d.addEventListener("toggle", label); });
    const box = document.createElement("label");
    const check = document.createElement("input");
    check.type = "checkbox";
    check.checked = printNotes;
    check.addEventListener("change", function () {
        printNotes = check.checked;
        html.classList.toggle("workshop-print-notes", printNotes);
        try { localStorage.setItem(KEY, printNotes ? "1" : "0"); } catch (e) { }
    });
    box.appendChild(check);
    box.appendChild(document.createTextNode(" " + text.print));
    bar.appendChild(count);
    bar.appendChild(button);
    bar.appendChild(box);
    label();

    const main = document.querySelector("main");
    const heading = main && main.querySelector("h1");
    if (heading && heading.parentNode) {
        heading.parentNode.insertBefore(bar, heading.nextSibling);
    } else if (main) {
        main.insertBefore(bar, main.firstChild);
    }

    // A folded <details> prints folded: open the notes for printing when they are kept,
    // and put them back as they were afterwards.
    let before = null;
    window.addEventListener("beforeprint", function () {
        if (!printNotes) {
            return;
        }
        before = notes.map(function (d) { return d.open; });
        notes.forEach(function (d) { d.open = true; });
    });
    window.addEventListener("afterprint", function () {
        if (before) {
            notes.forEach(function (d, i) { d.open = before[i]; });
            before = null;
        }
    });
})();
