/* fc-sample-web: the sample function for web-server mode (CONTRACT §4). An HTTP/1.1 server on
 * 0.0.0.0:$FC_CUSTOM_LISTEN_PORT (default 9000) that answers what FC sends a custom container:
 *
 *   POST /initialize      200; remembers that the instance was initialized
 *   POST /invoke          200; echoes the event (the body)
 *   GET  /pre-stop        200
 *   GET  /pre-freeze      200
 *   anything else         200 with a JSON description of the request: method, path, query,
 *   (x-fc-control-path:    headers (lower-case names, repeats joined with ", "), rawHeaders (as
 *    /http-invoke)         received), body (text, or bodyBase64 when not UTF-8), initialized,
 *                          pid, instanceId (FC_INSTANCE_ID), connection {id, request}
 *
 * Every request prints one log line to stdout:
 *   2026-11-29T10:00:00.123Z <x-fc-request-id> [INFO] GET /hello
 *
 * Behaviour switches, in the query (?sleep=500&status=404), in the request header
 * "x-sample-action: sleep=500, status=404", or for events in the body as
 * {"x-sample-action": "sleep=500"} (FC passes no client headers with an event):
 *   sleep=MS       reply after MS milliseconds                    (timeouts)
 *   crash          exit(3) before replying: the connection closes  (502 "Process exited ...")
 *   crash=partial  send half a response, then exit(3)
 *   status=N       reply with status N (404 is a function error on FC)
 *   fc-status=N    add "x-fc-status: N" (FC's other way to report a function error)
 *   alloc=MB       touch MB megabytes of memory and keep them      (memory limit)
 *   log=N          print N more log lines
 *   bytes=N        reply with N bytes of 'x' instead of the JSON
 *   chunked        send the reply with chunked transfer coding
 *   close          reply with "Connection: close", then close
 *   close=silent   reply as if keeping the connection, then close it (an idle-timeout server)
 *
 * Mistakes to demonstrate (environment):
 *   SAMPLE_LISTEN=127.0.0.1   listen there instead of 0.0.0.0 (FC cannot reach it)
 *   SAMPLE_PORT_OFFSET=1      listen on the port + 1 (the wrong port)
 *   SAMPLE_STARTUP_DELAY_MS=N wait N ms before listening (slow start-up)
 *
 * FC asks servers to keep connections alive with no idle timeout (fc-semantics.md §4.3), so
 * connections stay open until the client closes them. One thread per connection. C, no
 * libraries beyond libc, linked statically: the image holds nothing else. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_HEADER_BYTES = 64 * 1024, /* FC's own cap is 8 KB for the client's headers */
    MAX_HEADERS = 200,
    MAX_LINE_BYTES = 4096,     /* one chunk-size line */
    MAX_BODY_BYTES = 64 << 20, /* FC's sync limit is 32 MB */
    MAX_REPLY_BYTES = 64 << 20,
};

static volatile int g_initialized;
static long g_connections;

/* ---- a growable byte buffer ---- */

struct buf
{
    char *data;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fprintf(stderr, "fc-sample-web: out of memory\n");
        exit(70);
    }
    b->data = p;
    b->cap = cap;
}

static void buf_add(struct buf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = 0;
}

/* ---- text helpers ---- */

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            min = 0x10000;
            c &= 0x07;
        } else
            return 0;
        for (size_t j = 1; j <= k; ++j) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* A JSON string. Text that is not UTF-8 is read as Latin-1, so the output is always valid. */
static void json_string(struct buf *b, const char *s, size_t n)
{
    const int utf8 = utf8_valid((const unsigned char *)s, n);
    buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            buf_str(b, "\\\"");
        else if (c == '\\')
            buf_str(b, "\\\\");
        else if (c == '\n')
            buf_str(b, "\\n");
        else if (c == '\r')
            buf_str(b, "\\r");
        else if (c == '\t')
            buf_str(b, "\\t");
        else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8))
            buf_printf(b, "\\u%04x", c);
        else
            buf_add(b, &s[i], 1);
    }
    buf_add(b, "\"", 1);
}

static void base64(struct buf *b, const unsigned char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char out[4] = {t[(v >> 18) & 63], t[(v >> 12) & 63], i + 1 < n ? t[(v >> 6) & 63] : '=',
                       i + 2 < n ? t[v & 63] : '='};
        buf_add(b, out, 4);
    }
}

static void timestamp(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* One line per call: stdio locks the stream per call, so lines of threads don't mix. */
static void log_line(const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(const char *request_id, const char *fmt, ...)
{
    char ts[40], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    timestamp(ts, sizeof ts);
    printf("%s %s [INFO] %s\n", ts, request_id && *request_id ? request_id : "-", msg);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- requests ---- */

struct request
{
    char *method, *target; /* point into head */
    char *path, *query;    /* point into path_buf */
    char *head;            /* a copy of the header block */
    char *path_buf;
    int minor;
    int nheaders;
    char *names[MAX_HEADERS], *values[MAX_HEADERS];
    struct buf body;
    int keep_alive;
};

struct conn
{
    int fd;
    long id;
    long served;
    struct buf in;
};

static const char *header(const struct request *r, const char *name)
{
    for (int i = 0; i < r->nheaders; ++i)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

/* Does the comma-separated header contain token? */
static int header_has(const struct request *r, const char *name, const char *token)
{
    size_t tl = strlen(token);
    for (int i = 0; i < r->nheaders; ++i) {
        if (strcasecmp(r->names[i], name) != 0)
            continue;
        const char *p = r->values[i];
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == ',')
                ++p;
            const char *e = p;
            while (*e && *e != ',')
                ++e;
            const char *t = e;
            while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
                --t;
            if ((size_t)(t - p) == tl && strncasecmp(p, token, tl) == 0)
                return 1;
            p = e;
        }
    }
    return 0;
}

static void reply_error(struct conn *c, int status, const char *reason)
{
    char out[256];
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s\n",
                     status, reason, strlen(reason) + 1, reason);
    send_all(c->fd, out, (size_t)n);
}

/* Reads until the buffer holds at least need bytes. 1: ok, 0: end of file, -1: error. */
static int fill(struct conn *c, size_t need)
{
    while (c->in.len < need) {
        buf_reserve(&c->in, 64 * 1024);
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        c->in.len += (size_t)n;
        c->in.data[c->in.len] = 0;
    }
    return 1;
}

static int is_tchar(int ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Reads a line ending in CRLF that starts at from; returns its length without CRLF or -1. */
static long read_line(struct conn *c, size_t from)
{
    for (;;) {
        if (c->in.len > from) {
            char *end = memmem(c->in.data + from, c->in.len - from, "\r\n", 2);
            if (end)
                return end - (c->in.data + from);
        }
        if (c->in.len - from > MAX_LINE_BYTES)
            return -1;
        if (fill(c, c->in.len + 1) <= 0)
            return -1;
    }
}

/* 1: a request was read; 0: the client closed the connection between requests; -1: broken
 * (an error reply has been sent where one makes sense). */
static int read_request(struct conn *c, struct request *r)
{
    char *end;
    for (;;) {
        end = c->in.len ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL;
        if (end)
            break;
        if (c->in.len > MAX_HEADER_BYTES) {
            reply_error(c, 431, "Request Header Fields Too Large");
            return -1;
        }
        int got = fill(c, c->in.len + 1);
        if (got == 0 && c->in.len == 0)
            return 0;
        if (got <= 0)
            return -1;
    }
    size_t head_len = (size_t)(end - c->in.data) + 4;
    if (head_len > MAX_HEADER_BYTES) {
        reply_error(c, 431, "Request Header Fields Too Large");
        return -1;
    }
    r->head = malloc(head_len + 1);
    if (!r->head)
        return -1;
    memcpy(r->head, c->in.data, head_len);
    r->head[head_len - 2] = 0; /* ends after the last header line's CRLF */

    /* Request line: METHOD SP target SP HTTP/1.x */
    char *line = r->head, *next = strstr(line, "\r\n");
    if (!next)
        goto bad;
    *next = 0;
    r->method = line;
    char *sp1 = strchr(line, ' ');
    if (!sp1 || sp1 == line)
        goto bad;
    *sp1 = 0;
    for (char *p = r->method; *p; ++p)
        if (!is_tchar((unsigned char)*p))
            goto bad;
    r->target = sp1 + 1;
    char *sp2 = strchr(r->target, ' ');
    if (!sp2 || sp2 == r->target)
        goto bad;
    *sp2 = 0;
    for (char *p = r->target; *p; ++p)
        if ((unsigned char)*p <= ' ' || *p == 0x7F)
            goto bad;
    if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || !strchr("01", sp2[8]) || !sp2[8] || sp2[9])
        goto bad;
    r->minor = sp2[8] - '0';

    /* Header fields: name ":" OWS value OWS */
    line = next + 2;
    while (*line) {
        next = strstr(line, "\r\n");
        if (!next)
            goto bad;
        *next = 0;
        char *colon = strchr(line, ':');
        if (!colon || colon == line || r->nheaders == MAX_HEADERS)
            goto bad;
        *colon = 0;
        for (char *p = line; *p; ++p)
            if (!is_tchar((unsigned char)*p))
                goto bad;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            ++v;
        char *ve = v + strlen(v);
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            *--ve = 0;
        r->names[r->nheaders] = line;
        r->values[r->nheaders] = v;
        r->nheaders++;
        line = next + 2;
    }

    /* Split the target; the path of an absolute-form target starts at its first '/'. */
    r->path = r->target;
    if (strncasecmp(r->path, "http://", 7) == 0 || strncasecmp(r->path, "https://", 8) == 0) {
        char *slash = strchr(strstr(r->path, "//") + 2, '/');
        r->path = slash ? slash : (char *)"/";
    }
    r->query = "";
    {
        /* copy so that target stays whole */
        size_t pl = strlen(r->path);
        char *copy = malloc(pl + 1);
        if (!copy)
            goto bad;
        memcpy(copy, r->path, pl + 1);
        char *hash = strchr(copy, '#');
        if (hash)
            *hash = 0;
        char *q = strchr(copy, '?');
        if (q) {
            *q = 0;
            r->query = q + 1;
        }
        r->path = r->path_buf = copy;
    }

    r->keep_alive = r->minor == 1 ? !header_has(r, "connection", "close")
                                  : header_has(r, "connection", "keep-alive");
    buf_consume(&c->in, head_len);

    if (header_has(r, "expect", "100-continue"))
        send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);

    /* Body: chunked, Content-Length, or none. */
    if (header_has(r, "transfer-encoding", "chunked")) {
        size_t pos = 0;
        for (;;) {
            long ll = read_line(c, pos);
            if (ll < 0)
                goto bad;
            char *e;
            unsigned long size = strtoul(c->in.data + pos, &e, 16);
            if (e == c->in.data + pos || size > MAX_BODY_BYTES ||
                r->body.len + size > MAX_BODY_BYTES) {
                reply_error(c, 413, "Payload Too Large");
                return -1;
            }
            pos += (size_t)ll + 2;
            if (size == 0) { /* trailer fields, then an empty line */
                for (;;) {
                    ll = read_line(c, pos);
                    if (ll < 0)
                        goto bad;
                    pos += (size_t)ll + 2;
                    if (ll == 0)
                        break;
                }
                break;
            }
            if (fill(c, pos + size + 2) <= 0)
                goto bad;
            if (memcmp(c->in.data + pos + size, "\r\n", 2) != 0)
                goto bad;
            buf_add(&r->body, c->in.data + pos, size);
            buf_consume(&c->in, pos + size + 2);
            pos = 0;
        }
        buf_consume(&c->in, pos);
    } else if (header(r, "content-length")) {
        const char *cl = header(r, "content-length");
        char *e;
        errno = 0;
        unsigned long long len = strtoull(cl, &e, 10);
        if (!isdigit((unsigned char)*cl) || *e || errno)
            goto bad;
        if (len > MAX_BODY_BYTES) {
            reply_error(c, 413, "Payload Too Large");
            return -1;
        }
        if (fill(c, (size_t)len) <= 0)
            return -1;
        buf_add(&r->body, c->in.data, (size_t)len);
        buf_consume(&c->in, (size_t)len);
    }
    if (!r->body.data)
        buf_add(&r->body, "", 0);
    return 1;

bad:
    reply_error(c, 400, "Bad Request");
    return -1;
}

static void request_free(struct request *r)
{
    free(r->path_buf);
    free(r->head);
    free(r->body.data);
    memset(r, 0, sizeof *r);
}

/* ---- actions ---- */

struct actions
{
    long sleep_ms, alloc_mb, log_lines, bytes;
    int crash, crash_partial, status, fc_status, close, close_silent, chunked;
};

static void action(struct actions *a, const char *key, size_t kl, const char *val, size_t vl)
{
    char v[32] = "";
    if (vl >= sizeof v)
        vl = sizeof v - 1;
    memcpy(v, val, vl);
    v[vl] = 0;
    long n = strtol(v, NULL, 10);
#define IS(k) (kl == strlen(k) && strncasecmp(key, k, kl) == 0)
    if (IS("sleep"))
        a->sleep_ms = n > 0 ? n : 0;
    else if (IS("crash")) {
        a->crash = 1;
        a->crash_partial = strcmp(v, "partial") == 0;
    } else if (IS("status")) {
        if (n >= 200 && n <= 599)
            a->status = (int)n;
    } else if (IS("fc-status")) {
        if (n >= 100 && n <= 999)
            a->fc_status = (int)n;
    } else if (IS("alloc"))
        a->alloc_mb = n > 0 ? n : 0;
    else if (IS("log"))
        a->log_lines = n > 0 && n < 1000000 ? n : 0;
    else if (IS("bytes"))
        a->bytes = n > 0 && n <= MAX_REPLY_BYTES ? n : 0;
    else if (IS("chunked"))
        a->chunked = 1;
    else if (IS("close")) {
        a->close = 1;
        a->close_silent = strcmp(v, "silent") == 0;
    }
#undef IS
}

/* "k=v" items separated by any of seps. */
static void parse_actions(struct actions *a, const char *s, size_t n, const char *seps)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && strchr(seps, s[i]))
            ++i;
        size_t start = i;
        while (i < n && !strchr(seps, s[i]))
            ++i;
        if (i == start)
            continue;
        const char *eq = memchr(s + start, '=', i - start);
        if (eq)
            action(a, s + start, (size_t)(eq - (s + start)), eq + 1, (size_t)(s + i - eq - 1));
        else
            action(a, s + start, i - start, "", 0);
    }
}

/* The value of "x-sample-action" in an event's JSON body, if any. */
static void parse_event_actions(struct actions *a, const struct buf *body)
{
    const char key[] = "\"x-sample-action\"";
    const char *p = body->len ? memmem(body->data, body->len, key, sizeof key - 1) : NULL;
    if (!p)
        return;
    const char *end = body->data + body->len;
    p += sizeof key - 1;
    while (p < end && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n'))
        ++p;
    if (p >= end || *p != '"')
        return;
    const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
    if (q)
        parse_actions(a, p + 1, (size_t)(q - p - 1), ",;& ");
}

static void touch_memory(long mb)
{
    static char **blocks;
    static size_t nblocks;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    size_t size = (size_t)mb << 20;
    char *p = malloc(size);
    if (!p)
        return;
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1; /* make it resident */
    pthread_mutex_lock(&lock);
    char **grown = realloc(blocks, (nblocks + 1) * sizeof *blocks);
    if (grown) {
        blocks = grown;
        blocks[nblocks++] = p; /* kept on purpose */
    }
    pthread_mutex_unlock(&lock);
}

/* ---- replies ---- */

static void describe(struct buf *out, const struct request *r, const struct conn *c)
{
    buf_str(out, "{\"method\":");
    json_string(out, r->method, strlen(r->method));
    buf_str(out, ",\"target\":");
    json_string(out, r->target, strlen(r->target));
    buf_str(out, ",\"path\":");
    json_string(out, r->path, strlen(r->path));
    buf_str(out, ",\"query\":");
    json_string(out, r->query, strlen(r->query));
    buf_str(out, ",\"headers\":{");
    int first = 1;
    for (int i = 0; i < r->nheaders; ++i) {
        int seen = 0;
        for (int j = 0; j < i; ++j)
            if (strcasecmp(r->names[j], r->names[i]) == 0)
                seen = 1;
        if (seen)
            continue;
        struct buf name = {0}, value = {0};
        for (const char *p = r->names[i]; *p; ++p) {
            char lc = (char)tolower((unsigned char)*p);
            buf_add(&name, &lc, 1);
        }
        for (int j = i; j < r->nheaders; ++j) {
            if (strcasecmp(r->names[j], r->names[i]) != 0)
                continue;
            if (value.len)
                buf_str(&value, ", ");
            buf_str(&value, r->values[j]);
        }
        buf_str(out, first ? "" : ",");
        first = 0;
        json_string(out, name.data, name.len);
        buf_str(out, ":");
        json_string(out, value.data ? value.data : "", value.len);
        free(name.data);
        free(value.data);
    }
    buf_str(out, "},\"rawHeaders\":[");
    for (int i = 0; i < r->nheaders; ++i) {
        buf_str(out, i ? ",[" : "[");
        json_string(out, r->names[i], strlen(r->names[i]));
        buf_str(out, ",");
        json_string(out, r->values[i], strlen(r->values[i]));
        buf_str(out, "]");
    }
    buf_str(out, "],");
    if (utf8_valid((const unsigned char *)r->body.data, r->body.len)) {
        buf_str(out, "\"body\":");
        json_string(out, r->body.data, r->body.len);
    } else {
        buf_str(out, "\"bodyBase64\":\"");
        base64(out, (const unsigned char *)r->body.data, r->body.len);
        buf_str(out, "\"");
    }
    const char *instance = getenv("FC_INSTANCE_ID");
    buf_printf(out,
               ",\"bodyLength\":%zu,\"initialized\":%s,\"pid\":%ld,\"instanceId\":", r->body.len,
               g_initialized ? "true" : "false", (long)getpid());
    if (instance)
        json_string(out, instance, strlen(instance));
    else
        buf_str(out, "null");
    buf_printf(out, ",\"connection\":{\"id\":%ld,\"request\":%ld}}\n", c->id, c->served);
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

/* Handles one request; returns 0 to keep the connection, -1 to close it. */
static int handle(struct conn *c, struct request *r)
{
    const char *request_id = header(r, "x-fc-request-id");
    const char *control = header(r, "x-fc-control-path");
    const int http_invoke = control && strcmp(control, "/http-invoke") == 0;
    const int is_post = strcmp(r->method, "POST") == 0, is_get = strcmp(r->method, "GET") == 0;
    const int is_head = strcmp(r->method, "HEAD") == 0;
    log_line(request_id, "%s %s", r->method, r->target);

    struct actions a = {0};
    parse_actions(&a, r->query, strlen(r->query), "&");
    const char *h = header(r, "x-sample-action");
    if (h)
        parse_actions(&a, h, strlen(h), ",;& ");

    struct buf body = {0};
    const char *type = "application/json";
    if (!http_invoke && is_post && strcmp(r->path, "/initialize") == 0) {
        g_initialized = 1;
        buf_str(&body, "{\"initialized\":true}\n");
    } else if (!http_invoke && is_post && strcmp(r->path, "/invoke") == 0) {
        parse_event_actions(&a, &r->body);
        buf_add(&body, r->body.data, r->body.len); /* the event, echoed */
        type = "application/octet-stream";
    } else if (!http_invoke && is_get &&
               (strcmp(r->path, "/pre-stop") == 0 || strcmp(r->path, "/pre-freeze") == 0)) {
        buf_str(&body, "{\"ok\":true}\n");
    } else {
        describe(&body, r, c);
    }

    for (long i = 1; i <= a.log_lines; ++i)
        log_line(request_id, "log line %ld of %ld", i, a.log_lines);
    if (a.alloc_mb) {
        touch_memory(a.alloc_mb);
        log_line(request_id, "allocated %ld MB", a.alloc_mb);
    }
    if (a.sleep_ms)
        sleep_ms(a.sleep_ms);
    fflush(stdout);
    if (a.crash) {
        log_line(request_id, "crashing on purpose (exit 3)");
        if (a.crash_partial) {
            const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";
            send_all(c->fd, part, sizeof part - 1);
        }
        fflush(stdout);
        exit(3);
    }
    if (a.bytes) {
        body.len = 0;
        buf_reserve(&body, (size_t)a.bytes);
        memset(body.data, 'x', (size_t)a.bytes);
        body.len = (size_t)a.bytes;
        type = "application/octet-stream";
    }

    const int status = a.status ? a.status : 200;
    const int keep = r->keep_alive && !(a.close && !a.close_silent);
    const int no_body = status == 204 || status == 304;
    struct buf out = {0};
    buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n", status, reason(status), type);
    if (a.fc_status)
        buf_printf(&out, "x-fc-status: %d\r\n", a.fc_status);
    if (!keep)
        buf_str(&out, "Connection: close\r\n");
    else if (r->minor == 0)
        buf_str(&out, "Connection: keep-alive\r\n");
    if (no_body) {
        buf_str(&out, "\r\n");
    } else if (a.chunked && r->minor == 1) {
        buf_str(&out, "Transfer-Encoding: chunked\r\n\r\n");
        if (!is_head) {
            for (size_t off = 0; off < body.len; off += 1000) {
                size_t n = body.len - off < 1000 ? body.len - off : 1000;
                buf_printf(&out, "%zx\r\n", n);
                buf_add(&out, body.data + off, n);
                buf_str(&out, "\r\n");
            }
            buf_str(&out, "0\r\n\r\n");
        }
    } else {
        buf_printf(&out, "Content-Length: %zu\r\n\r\n", body.len);
        if (!is_head)
            buf_add(&out, body.data, body.len);
    }
    const int sent = send_all(c->fd, out.data, out.len);
    free(out.data);
    free(body.data);
    return sent == 0 && keep && !a.close ? 0 : -1;
}

static void *serve(void *arg)
{
    struct conn *c = arg;
    for (;;) {
        struct request r = {0};
        int got = read_request(c, &r);
        if (got <= 0) {
            request_free(&r);
            break;
        }
        c->served++;
        int keep = handle(c, &r) == 0;
        request_free(&r);
        if (!keep)
            break;
    }
    close(c->fd);
    free(c->in.data);
    free(c);
    return NULL;
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    char *e;
    long n = strtol(v, &e, 10);
    return *e ? fallback : n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* stdout is a pipe under FC: one line at a time */
    signal(SIGPIPE, SIG_IGN);

    const char *host = getenv("SAMPLE_LISTEN");
    if (!host || !*host)
        host = "0.0.0.0";
    long port = env_long("FC_CUSTOM_LISTEN_PORT", 9000) + env_long("SAMPLE_PORT_OFFSET", 0);
    long delay = env_long("SAMPLE_STARTUP_DELAY_MS", 0);
    if (delay > 0) {
        log_line(NULL, "waiting %ld ms before listening (SAMPLE_STARTUP_DELAY_MS)", delay);
        sleep_ms(delay);
    }

    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "fc-sample-web: bad listen address %s:%ld\n", host, port);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 512) != 0) {
        fprintf(stderr, "fc-sample-web: cannot listen on %s:%ld: %s\n", host, port,
                strerror(errno));
        return 1;
    }
    log_line(NULL, "fc-sample-web listening on %s:%ld (pid %ld)", host, port, (long)getpid());

    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EINTR)
                sleep_ms(10); /* EMFILE and friends: don't spin */
            continue;
        }
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(cfd);
            continue;
        }
        c->fd = cfd;
        c->id = ++g_connections;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&t, &attr, serve, c) != 0) {
            close(cfd);
            free(c);
        }
        pthread_attr_destroy(&attr);
    }
}
