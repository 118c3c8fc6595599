/*
 * labels.js: the catalog's Chinese labels (ecert-serve's
 * /v1/catalog/labels) for the item keys a token carries, put in place of
 * the keys in the table verify.js draws.  The labels are kept in
 * localStorage, so that a page opened offline still shows them; without
 * them the keys stay.  verify.js is not touched: this file only watches
 * the #license box.
 */
(function () {
	"use strict";
	var KEY = "ecert-labels", box = document.getElementById("license"),
	    labels = null;

	try {
		labels = JSON.parse(localStorage.getItem(KEY) || "null");
	} catch (e) {
		labels = null;
	}

	function relabel() {
		var rows, type = null, t, i, th, td;

		if (!labels || !box) return;
		rows = box.querySelectorAll("tr");
		for (i = 0; i < rows.length; i++) {
			th = rows[i].querySelector("th");
			td = rows[i].querySelector("td");
			if (th && td && th.textContent === "证照类型代码")
				type = td.textContent;
		}
		t = type && labels[type];
		if (!t || !t.items) return;
		for (i = 0; i < rows.length; i++) {
			th = rows[i].querySelector("th");
			if (th && Object.prototype.hasOwnProperty.call(t.items,
			    th.textContent)) {
				th.title = th.textContent;
				th.textContent = t.items[th.textContent];
			}
		}
	}

	if (box && window.MutationObserver)
		new MutationObserver(relabel).observe(box,
		    { childList: true, subtree: true });
	fetch("v1/catalog/labels", { cache: "no-cache" }).then(function (r) {
		if (!r.ok) throw new Error("HTTP " + r.status);
		return r.json();
	}).then(function (l) {
		labels = l;
		try {
			localStorage.setItem(KEY, JSON.stringify(l));
		} catch (e) { /* private mode: this visit only */ }
		relabel();
	}).catch(function () { /* offline: the stored labels, or the keys */ });
})();
