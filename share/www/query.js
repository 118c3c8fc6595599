/* The public query (article 12): asks /v1/public, shows what it answers. */
"use strict";

var STATUS = { valid: "有效", suspended: "暂扣（停用）", revoked: "注销",
	expired: "失效", superseded: "已更新" };

function el(tag, text) {
	var e = document.createElement(tag);
	if (text !== undefined) e.textContent = text;
	return e;
}

function row(table, label, value) {
	var tr = el("tr");
	tr.appendChild(el("th", label));
	tr.appendChild(el("td", value));
	table.appendChild(tr);
}

function show(verdict, text) {
	var r = document.getElementById("result");
	r.hidden = false;
	r.dataset.verdict = verdict;
	r.textContent = text;
}

function render(answer) {
	var box = document.getElementById("licenses");
	box.textContent = "";
	(answer.licenses || []).forEach(function (l) {
		var div = el("div"), t = el("table");
		div.className = "license";
		div.appendChild(el("h2", l.type_name || l.type || "电子证照"));
		row(t, "证照编号", l.number || "");
		row(t, "颁发机构", l.issuer || "");
		row(t, "有效期至", l.valid_until || "长期");
		row(t, "状态", STATUS[l.status] || l.status || "");
		Object.keys(l.items || {}).forEach(function (k) {
			row(t, k, String(l.items[k]));
		});
		div.appendChild(t);
		box.appendChild(div);
	});
}

function ask(name, uscc) {
	var url = "v1/public?name=" + encodeURIComponent(name) + "&uscc=" +
	    encodeURIComponent(uscc);
	show("", "查询中……");
	fetch(url, { cache: "no-store" }).then(function (resp) {
		return resp.json().then(function (body) {
			return { status: resp.status, body: body };
		});
	}).then(function (a) {
		if (a.status === 200) {
			show("valid", "找到 " + a.body.count + " 个可公开的电子证照");
			render(a.body);
		} else if (a.status === 404) {
			show("not-found", "没有找到该企业可公开的电子证照");
			render({});
		} else if (a.status === 422) {
			show("invalid", "统一社会信用代码不正确，请核对");
		} else {
			show("error", "暂时无法查询，请稍后再试");
		}
	}).catch(function () {
		show("error", "暂时无法查询，请稍后再试");
	});
}

document.getElementById("query").addEventListener("submit", function (ev) {
	ev.preventDefault();
	ask(document.getElementById("name").value.trim(),
	    document.getElementById("uscc").value.trim().toUpperCase());
});

/* a link may carry the question: query.html?name=...&uscc=... */
(function () {
	var p = new URLSearchParams(location.search);
	if (p.get("name") && p.get("uscc")) {
		document.getElementById("name").value = p.get("name");
		document.getElementById("uscc").value = p.get("uscc");
		ask(p.get("name"), p.get("uscc"));
	}
})();
