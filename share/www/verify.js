/*
 * Scan to verify (article 16), in the browser: the token of ecert(5)
 * ("EC1:" and base45, format 1 or 2) checked with WebCrypto Ed25519 and
 * SHA-256 against the trust list and the status list the server
 * publishes (version 2: two bits a place, zlib, opened with
 * DecompressionStream), both checked first against their own platform
 * signature.  Nothing is sent anywhere.
 */
"use strict";

var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
var utf8 = new TextEncoder(), text = new TextDecoder("utf-8", { fatal: true });

function fail(why) {
	var e = new Error(why);
	e.verdict = "invalid";
	return e;
}

function base45(s) {
	var out = [], i, n, v = [];
	for (i = 0; i < s.length; i++) {
		n = B45.indexOf(s[i]);
		if (n < 0) throw fail("二维码内容有误：不是 base45");
		v.push(n);
	}
	if (v.length % 3 === 1) throw fail("二维码内容有误：长度不对");
	for (i = 0; i < v.length; i += 3) {
		if (i + 2 < v.length) {
			n = v[i] + v[i + 1] * 45 + v[i + 2] * 2025;
			if (n > 65535) throw fail("二维码内容有误");
			out.push(n >> 8, n & 255);
		} else {
			n = v[i] + v[i + 1] * 45;
			if (n > 255) throw fail("二维码内容有误");
			out.push(n);
		}
	}
	return new Uint8Array(out);
}

function b64(s) {
	var bin = atob(s), out = new Uint8Array(bin.length), i;
	for (i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

function b64url(s) {
	s = s.replace(/-/g, "+").replace(/_/g, "/");
	while (s.length % 4) s += "=";
	return b64(s);
}

/* zlib (RFC 1950): what DecompressionStream calls "deflate" */
function inflate(bytes) {
	var ds = new DecompressionStream("deflate");
	return new Response(new Blob([bytes]).stream().pipeThrough(ds))
	    .arrayBuffer().then(function (b) { return new Uint8Array(b); });
}

function hex(bytes) {
	return Array.prototype.map.call(bytes, function (b) {
		return (b < 16 ? "0" : "") + b.toString(16);
	}).join("");
}

/* RFC 8785: sorted keys, ECMAScript's own serialization of values */
function canonical(v) {
	if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
	if (v !== null && typeof v === "object")
		return "{" + Object.keys(v).sort().map(function (k) {
			return JSON.stringify(k) + ":" + canonical(v[k]);
		}).join(",") + "}";
	return JSON.stringify(v);
}

function concat(a, b) {
	var out = new Uint8Array(a.length + b.length);
	out.set(a, 0);
	out.set(b, a.length);
	return out;
}

/* Ed25519 over domain || NUL || message, as lib/sign.c signs */
function verifySig(pkB64, domain, message, sig) {
	var msg = concat(concat(utf8.encode(domain), new Uint8Array([0])),
	    message);
	return crypto.subtle.importKey("raw", b64(pkB64), { name: "Ed25519" },
	    false, ["verify"]).then(function (key) {
		return crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
	});
}

function isoOf(seconds) {
	return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function inForce(k, seconds) {
	var t = isoOf(seconds);
	return k.not_before <= t && (k.not_after === null ||
	    k.not_after === undefined || t < k.not_after);
}

/* A signed list: its signer is one of the trust list's admin keys. */
function checkList(list, domain, keys) {
	var body = {}, signer;
	Object.keys(list).forEach(function (k) {
		if (k !== "signature") body[k] = list[k];
	});
	signer = keys.filter(function (k) {
		return k.key_id === list.key_id && k.admin === true;
	})[0];
	if (!signer) return Promise.reject(fail("列表不是平台签发的"));
	return verifySig(signer.public_key, domain,
	    utf8.encode(canonical(body)), b64(list.signature)).then(function (ok) {
		if (!ok) throw fail("列表签名不符");
		return list;
	});
}

function fetchJSON(url) {
	return fetch(url, { cache: "no-cache" }).then(function (r) {
		if (!r.ok) throw new Error("无法取得 " + url);
		return r.text();
	}).then(function (t) { return JSON.parse(t.trim()); });
}

function lists() {
	return fetchJSON("v1/trust").then(function (trust) {
		if (trust.type !== "ecert-trust-list")
			throw fail("信任列表格式不对");
		return checkList(trust, "ecert-trust-v1", trust.keys);
	}).then(function (trust) {
		return fetchJSON("v1/status").then(function (status) {
			if (status.type !== "ecert-status-list")
				throw fail("状态列表格式不对");
			if (status.valid_until < isoOf(Date.now() / 1000))
				throw fail("状态列表已过期");
			return checkList(status, "ecert-status-v1", trust.keys);
		}).then(function (status) {
			if (status.version === 2) {
				if (status.bits !== 2) throw fail("状态列表格式不对");
				return inflate(b64url(status.lst)).then(function (b) {
					if (b.length * 4 !== status.size)
						throw fail("状态列表格式不对");
					return { keys: trust.keys, two: b,
					    size: status.size };
				});
			}
			return { keys: trust.keys, bits: b64(status.bits),
			    size: status.size };
		});
	});
}

function parse(bytes) {
	var p = 0, t = {}, i, n;
	function need(k) { if (p + k > bytes.length) throw fail("二维码内容有误：长度不对"); }
	function u8() { need(1); return bytes[p++]; }
	function u16() { need(2); p += 2; return bytes[p - 2] * 256 + bytes[p - 1]; }
	function u32() { need(4); p += 4;
		return ((bytes[p - 4] * 256 + bytes[p - 3]) * 256 + bytes[p - 2]) * 256 + bytes[p - 1]; }
	function str() { var l = u8(); need(l); p += l;
		return text.decode(bytes.subarray(p - l, p)); }
	function date(d) { return d === 0xffff ? "" :
		new Date(d * 86400000).toISOString().slice(0, 10); }
	if (bytes[0] === 2) return parse2(bytes);
	if (u8() !== 1) throw fail("不认识的二维码版本");
	t.flags = u8();
	t.signedAt = u32();
	need(8); t.issuerKey = hex(bytes.subarray(p, p + 8)); p += 8;
	t.validFrom = date(u16());
	t.validUntil = date(u16());
	t.version = u8();
	t.type = str(); t.issuer = str(); t.serial = str(); t.number = str();
	t.holder = str(); t.holderId = str();
	n = u8();
	t.items = [];
	for (i = 0; i < n; i++) t.items.push([str(), str()]);
	t.body = p;
	if (bytes.length !== p + 148) throw fail("二维码内容有误：长度不对");
	t.issuerSig = bytes.subarray(p, p + 64);
	p += 64;
	t.statusIndex = u32();
	t.presentedAt = u32();
	t.expiresAt = u32();
	t.platformKey = hex(bytes.subarray(p, p + 8));
	p += 8;
	t.platformSig = bytes.subarray(p, p + 64);
	return t;
}

/* Format 2: the signed core, its signature, the disclosures, the
 * presentation part (ecert(5)). */
var PATHS = { "#": "number", "@n": "holder", "@i": "holderId" };
var lenient = new TextDecoder("utf-8");
function parse2(bytes) {
	var p = 0, t = { format: 2, items: [], disclosures: [] }, i, n;
	function need(k) { if (p + k > bytes.length) throw fail("二维码内容有误：长度不对"); }
	function u8() { need(1); return bytes[p++]; }
	function u16() { need(2); p += 2; return bytes[p - 2] * 256 + bytes[p - 1]; }
	function u32() { need(4); p += 4;
		return ((bytes[p - 4] * 256 + bytes[p - 3]) * 256 + bytes[p - 2]) * 256 + bytes[p - 1]; }
	/* lenient: the signatures, checked before anything is shown,
	 * catch a damaged string */
	function str() { var l = u8(); need(l); p += l;
		return lenient.decode(bytes.subarray(p - l, p)); }
	function date(d) { return d >= 0xfffe ? "" :
		new Date(d * 86400000).toISOString().slice(0, 10); }
	u8();
	t.flags = u8();
	t.digestAlg = u8();
	t.signedAt = u32();
	need(8); t.issuerKey = hex(bytes.subarray(p, p + 8)); p += 8;
	t.validFrom = date(u16());
	t.validUntil = date(u16());
	t.version = u8();
	t.type = str(); t.issuer = str(); t.serial = str();
	n = u8();
	need(16 * n);
	t.digests = {};
	for (i = 0; i < n; i++)
		t.digests[hex(bytes.subarray(p + 16 * i, p + 16 * i + 16))] = true;
	t.ndigests = n;
	p += 16 * n;
	t.core = p;
	need(64); t.issuerSig = bytes.subarray(p, p + 64); p += 64;
	n = u8();
	for (i = 0; i < n; i++) {
		var start = p, salt, pl, path, vl, value;
		need(17); salt = bytes.subarray(p, p + 16); p += 16;
		pl = u8(); need(pl);
		path = text.decode(bytes.subarray(p, p + pl)); p += pl;
		vl = u16(); need(vl);
		value = bytes.subarray(p, p + vl); p += vl;
		t.disclosures.push({ hashed: bytes.subarray(start, start + 17 + pl)
		    .slice(), path: path, value: value });
		void salt;
	}
	t.body = p;
	if (bytes.length !== p + 84) throw fail("二维码内容有误：长度不对");
	t.statusIndex = u32();
	t.presentedAt = u32();
	t.expiresAt = u32();
	t.platformKey = hex(bytes.subarray(p, p + 8));
	p += 8;
	t.platformSig = bytes.subarray(p, p + 64);
	t.withheld = t.ndigests - t.disclosures.length;
	return t;
}

/* each disclosure's digest must be one the issuer signed */
function checkDisclosures(t) {
	var seen = {};
	if (t.digestAlg !== 1)
		return Promise.reject(fail("此页面只核验 SHA-256 摘要（SM3 请用 ecert-verify）"));
	return Promise.all(t.disclosures.map(function (d) {
		return crypto.subtle.digest("SHA-256", concat(d.hashed, d.value))
		    .then(function (h) {
			var v;
			if (!t.digests[hex(new Uint8Array(h).subarray(0, 16))])
				throw fail("披露项 " + d.path + " 的摘要不在签章范围内");
			if (seen[d.path]) throw fail("披露项重复");
			seen[d.path] = true;
			v = JSON.parse(text.decode(d.value));
			if (PATHS[d.path]) t[PATHS[d.path]] = v;
			else if (/^[^#@^%!~]/.test(d.path)) t.items.push([d.path, String(v)]);
			else if (d.path[0] === "~") t.items.push([d.path.slice(1), String(v)]);
		});
	}));
}

function key(keys, id) {
	return keys.filter(function (k) { return k.key_id === id; })[0];
}

/* The checks of ecert-verify --offline, in its order. */
function verifyToken(raw, l) {
	/* a space is a base45 character: only line breaks and the blanks
	 * before the prefix are dropped */
	var s = raw.replace(/[\r\n\t]/g, "").replace(/^ +/, ""), bytes, t, pk,
	    ik;
	if (s.indexOf("EC1:") !== 0) return Promise.reject(fail("不是电子证照二维码（应以 EC1: 开头）"));
	bytes = base45(s.slice(4));
	t = parse(bytes);
	pk = key(l.keys, t.platformKey);
	if (!pk) return Promise.reject(fail("出示签名的密钥不在信任列表中"));
	return verifySig(pk.public_key, "ecert-present-v1",
	    bytes.subarray(0, t.format === 2 ? t.body + 20 : t.body + 84),
	    t.platformSig).then(function (ok) {
		if (!ok) throw fail("出示签名不符");
		if (pk.admin !== true) throw fail("不是平台出示的");
		if (!inForce(pk, t.presentedAt)) throw fail("平台密钥不在有效期内");
		ik = key(l.keys, t.issuerKey);
		if (!ik) throw fail("签章密钥不在信任列表中");
		if (t.format === 2)
			return verifySig(ik.public_key, "ecert-core-v2",
			    bytes.subarray(0, t.core), t.issuerSig)
			    .then(function (ok) {
				if (!ok) return false;
				return checkDisclosures(t).then(function () {
					return true;
				});
			});
		return verifySig(ik.public_key, "ecert-token-v1",
		    bytes.subarray(0, t.body), t.issuerSig);
	}).then(function (ok) {
		var now = Date.now() / 1000, today, e;
		if (!ok) throw fail("颁发机构签章不符");
		if (ik.unit !== t.issuer) throw fail("签章密钥不属于颁发机构");
		if (!inForce(ik, t.signedAt)) throw fail("签章时密钥不在有效期内");
		t.issuerName = ik.unit_name;
		if (now > t.expiresAt) {
			e = new Error("二维码已过期，请持证主体重新出示");
			e.verdict = "expired";
			throw e;
		}
		if (t.presentedAt > now + 300) throw fail("出示时间在未来");
		if (t.statusIndex >= l.size) throw fail("状态位置超出状态列表");
		if (l.two) {
			var st = l.two[t.statusIndex >> 2] >> ((t.statusIndex & 3) * 2) & 3;
			if (st !== 0) {
				e = new Error(["", "该证照已注销", "该证照已停用",
				    "该版本已被新版本取代"][st]);
				e.verdict = "revoked";
				e.token = t;
				throw e;
			}
		} else if (l.bits[t.statusIndex >> 3] & (0x80 >> (t.statusIndex & 7))) {
			e = new Error("该证照已注销、停用或已更新");
			e.verdict = "revoked";
			e.token = t;
			throw e;
		}
		today = new Date().toISOString().slice(0, 10);
		if (t.validFrom && today < t.validFrom) throw fail("尚未生效");
		if (t.validUntil && today > t.validUntil) {
			e = new Error("证照已超过有效期");
			e.verdict = "expired";
			e.token = t;
			throw e;
		}
		return t;
	});
}

function show(verdict, text, why) {
	var r = document.getElementById("result");
	r.hidden = false;
	r.dataset.verdict = verdict;
	r.textContent = text;
	if (why) {
		var w = document.createElement("div");
		w.className = "why";
		w.textContent = why;
		r.appendChild(w);
	}
}

function render(t) {
	var box = document.getElementById("license"), table =
	    document.createElement("table");
	function row(label, value) {
		var tr = document.createElement("tr"), th = document.createElement("th"),
		    td = document.createElement("td");
		th.textContent = label;
		td.textContent = value;
		tr.appendChild(th);
		tr.appendChild(td);
		table.appendChild(tr);
	}
	box.textContent = "";
	if (!t) return;
	row("持证主体", t.holder || "（未披露）");
	row("持证主体代码", t.holderId || "（未披露）");
	row("证照编号", t.number || "（未披露）");
	row("证照类型代码", t.type);
	row("颁发机构", (t.issuerName || "") + "（" + t.issuer + "）");
	row("有效期", (t.validFrom || "") + " 至 " + (t.validUntil || "长期"));
	t.items.forEach(function (it) { row(it[0], it[1]); });
	if (t.format === 2)
		row("未披露", t.withheld + " 项");
	row("出示有效至", new Date(t.expiresAt * 1000).toLocaleString("zh-CN"));
	box.appendChild(table);
}

function check(raw) {
	show("", "核验中……");
	render(null);
	if (!crypto.subtle) {
		show("error", "此浏览器不支持本地核验（需要 HTTPS 和 WebCrypto）");
		return;
	}
	lists().then(function (l) {
		return verifyToken(raw, l);
	}).then(function (t) {
		show("valid", "有效：签章正确，证照在有效状态");
		render(t);
	}).catch(function (e) {
		var v = e.verdict || "error";
		show(v, v === "revoked" ? "无效：证照已注销或停用" :
		    v === "expired" ? "已过期" : v === "invalid" ? "无效" :
		    "暂时无法核验", e.message);
		render(e.token || null);
	});
}

document.getElementById("verify").addEventListener("submit", function (ev) {
	ev.preventDefault();
	check(document.getElementById("token").value);
});

/* a scanned link may carry the token: verify.html#EC1:... */
(function () {
	var h = decodeURIComponent(location.hash.slice(1));
	if (h.indexOf("EC1:") === 0) {
		document.getElementById("token").value = h;
		check(h);
	}
})();
