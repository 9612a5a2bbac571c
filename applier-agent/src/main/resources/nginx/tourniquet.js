// managed by Tourniquet (applier-agent, nginx backend): evaluates IIS URL Rewrite request-blocking rules in nginx,
// and IIS outbound rules that append to a response header. The agent writes this file with the rules of every
// mitigation in force in place of the marker below; nginx compiles it when it loads its configuration, so `nginx -t`
// refuses a pattern njs cannot use before any reload.
var RULES = /*TOURNIQUET_RULES*/[];
RULES.forEach(function (rule) {
    if (rule.kind === 'header') {
        rule.path = new RegExp(rule.pathPattern, 'i');
        rule.contentType = new RegExp(rule.contentTypePattern, 'i');
        return;
    }
    rule.url = new RegExp(rule.matchUrl, 'i');
    rule.conditions.forEach(function (c) { c.re = new RegExp(c.pattern, c.ignoreCase ? 'i' : ''); });
});
// IIS's UrlDecode: every %XX decoded once; malformed escapes are left as they are
function decodeOnce(s) {
    return s.replace(/%([0-9A-Fa-f]{2})/g, function (m, hex) { return String.fromCharCode(parseInt(hex, 16)); });
}
function input(r, name) {
    if (name === '{UrlDecode:{REQUEST_URI}}') { return decodeOnce(r.variables.request_uri || ''); }
    if (name === '{REQUEST_URI}') { return r.variables.request_uri || ''; }
    if (name === '{QUERY_STRING}') { return r.variables.args || ''; }
    var header = name.substring(6, name.length - 1).toLowerCase().replace(/_/g, '-');
    return r.headersIn[header] || '';
}
// One line in nginx's error log (at error level, which the default error_log keeps) per refused request: the agent
// counts them for the enforcement report. The format is read by NginxErrorLog.java: keep the two in step.
function record(r, verdict, rule) {
    r.error('tourniquet enforcement: ' + verdict + ' mitigation="' + rule.mitigation + '" rule="' + rule.name + '"');
}
function block(r) {
    // the agent's own probe, from loopback only: proves the running workers enforce a rule; it can only refuse
    var probe = r.headersIn['X-Tourniquet-Probe'];
    if (probe && r.remoteAddress === '127.0.0.1') {
        for (var p = 0; p < RULES.length; p++) {
            if (RULES[p].name === probe && !RULES[p].shadow && RULES[p].kind !== 'header') { return RULES[p].response; }
        }
    }
    var path = (r.uri || '').replace(/^\//, '');
    for (var i = 0; i < RULES.length; i++) {
        var rule = RULES[i];
        if (rule.kind === 'header' || !rule.url.test(path)) { continue; }
        var hits = rule.conditions.map(function (c) { var hit = c.re.test(input(r, c.input)); return c.negate ? !hit : hit; });
        if (rule.matchAll ? hits.every(Boolean) : hits.some(Boolean)) {
            if (rule.shadow) { record(r, 'would-block', rule); continue; }
            record(r, 'blocked', rule);
            return rule.response;
        }
    }
    return '';
}
// IIS outbound rule semantics: {REQUEST_URI} (not decoded) and the response's content type matched, case ignored;
// the value appended to the header, which is created when the response has none
function headers(r) {
    // the agent's own probe, from loopback only: proves this location runs the filter with the header rule in force
    var probe = r.headersIn['X-Tourniquet-Probe'];
    if (probe && r.remoteAddress === '127.0.0.1') {
        for (var p = 0; p < RULES.length; p++) {
            if (RULES[p].name === probe && !RULES[p].shadow && RULES[p].kind === 'header') { r.headersOut['X-Tourniquet-Probe'] = probe; }
        }
    }
    for (var i = 0; i < RULES.length; i++) {
        var rule = RULES[i];
        if (rule.kind !== 'header' || rule.shadow || !rule.path.test(r.variables.request_uri || '')
                || !rule.contentType.test(r.headersOut['Content-Type'] || '')) { continue; }
        var current = r.headersOut[rule.headerName];
        r.headersOut[rule.headerName] = current ? current + '; ' + rule.appendValue : rule.appendValue;
    }
}
export default { block: block, headers: headers };
