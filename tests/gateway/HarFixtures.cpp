// Browser-shaped HAR documents for tests/gateway's import test, written here by hand after
// what Chrome's DevTools and Firefox save (a file of their own: Qt 6.4's moc misreads raw strings
// with URLs in them, so they stay out of the test class's file).
#include "HarFixtures.h"

namespace Fcemu::Test {

namespace {

// A HAR as Chrome's DevTools saves it (Network ▸ Save all as HAR with content): HTTP/2 with
// pseudo-headers, a page, DevTools' own underscore fields, -1 timings, a base64 image, a
// response whose body was not kept, and a POST with JSON.
constexpr char kChromeHar[] = R"({
  "log": {
    "version": "1.2",
    "creator": {"name": "WebInspector", "version": "537.36"},
    "pages": [{"startedDateTime": "2026-03-27T10:20:30.100Z", "id": "page_1",
               "title": "https://example.test/", "pageTimings": {"onContentLoad": 120.5, "onLoad": 300.2}}],
    "entries": [
      {
        "_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document",
        "cache": {}, "connection": "443", "pageref": "page_1",
        "request": {
          "method": "GET", "url": "https://example.test/api/items?page=2#top", "httpVersion": "http/2.0",
          "headers": [{"name": ":authority", "value": "example.test"}, {"name": ":method", "value": "GET"},
                      {"name": ":path", "value": "/api/items?page=2"}, {"name": "accept", "value": "application/json"},
                      {"name": "user-agent", "value": "Mozilla/5.0 Chrome/122.0"}],
          "queryString": [{"name": "page", "value": "2"}], "cookies": [], "headersSize": -1, "bodySize": 0
        },
        "response": {
          "status": 200, "statusText": "", "httpVersion": "http/2.0",
          "headers": [{"name": "content-type", "value": "application/json"},
                      {"name": "x-fc-request-id", "value": "1-66aa0000-11112222-333344445555"},
                      {"name": "x-fc-invocation-duration", "value": "12"}],
          "cookies": [], "content": {"size": 11, "mimeType": "application/json", "text": "{\"ok\":true}"},
          "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 412, "_error": null
        },
        "serverIPAddress": "203.0.113.7", "startedDateTime": "2026-03-27T10:20:30.123Z", "time": 58.25,
        "timings": {"blocked": 2.5, "dns": 10, "ssl": 8, "connect": 20, "send": 0.25, "wait": 25, "receive": 0.5,
                    "_blocked_queueing": 1.2, "_workerStart": -1}
      },
      {
        "cache": {}, "pageref": "page_1",
        "request": {"method": "GET", "url": "https://example.test/logo.png", "httpVersion": "http/2.0",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                     "headers": [{"name": "content-type", "value": "image/png"}], "cookies": [],
                     "content": {"size": 12, "mimeType": "image/png", "text": "iVBORw0KGgoAAP8A", "encoding": "base64"},
                     "redirectURL": "", "headersSize": -1, "bodySize": 12},
        "startedDateTime": "2026-03-27T10:20:30.300Z", "time": 4,
        "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 3.5, "receive": 0.5}
      },
      {
        "cache": {},
        "request": {"method": "POST", "url": "https://example.test/2016-08-15/proxy/svc/fn/submit", "httpVersion": "http/2.0",
                    "headers": [{"name": "content-type", "value": "application/json"}],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 9,
                    "postData": {"mimeType": "application/json", "text": "{\"a\":1}\n"}},
        "response": {"status": 502, "statusText": "", "httpVersion": "http/2.0", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "startedDateTime": "2026-03-27T10:20:31.000Z", "time": 30,
        "timings": {"blocked": 0, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 29, "receive": 1}
      }
    ]
  }
})";

// Firefox's shape: local time with an offset, a form POST saved as params only.
constexpr char kFirefoxHar[] =
    R"({"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "124.0"},
  "browser": {"name": "Firefox", "version": "124.0"}, "pages": [],
  "entries": [{"pageref": "page_1", "startedDateTime": "2026-03-27T11:20:30.123+01:00",
    "request": {"bodySize": 7, "method": "POST", "url": "http://localhost:9000/login", "httpVersion": "HTTP/1.1",
      "headers": [{"name": "Host", "value": "localhost:9000"}], "cookies": [], "queryString": [], "headersSize": 320,
      "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "u", "value": "a b"}, {"name": "p", "value": "1&2"}]}},
    "response": {"status": 302, "statusText": "Found", "httpVersion": "HTTP/1.1",
      "headers": [{"name": "Location", "value": "/home"}], "cookies": [], "content": {"mimeType": "text/html", "size": 0, "text": ""},
      "redirectURL": "/home", "headersSize": 200, "bodySize": 0},
    "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 8, "receive": 0},
    "time": 8, "_securityState": "insecure", "serverIPAddress": "127.0.0.1", "connection": "9000"}]}})";

} // namespace

QByteArray chromeHar()
{
    return QByteArray(kChromeHar);
}

QByteArray firefoxHar()
{
    return QByteArray(kFirefoxHar);
}

QByteArray minimalHarEntry()
{
    return QByteArray(R"({"startedDateTime": "2026-03-27T10:20:30.123Z", "time": 1,
            "request": {"method": "GET", "url": "http://h/", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"text": "x"}},
            "timings": {"send": 0, "wait": 1, "receive": 0}})");
}

} // namespace Fcemu::Test
