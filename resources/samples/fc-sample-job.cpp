// fc-sample-job: the sample function for non-web-server mode (CONTRACT §5). It prints its event
// (FC_CUSTOM_CONTAINER_EVENT) and its environment, sorted, and then does what the event asks,
// so the emulator's timeouts, memory limit and disk limit can be tried with one image:
//   {"sleep": 3}      sleep 3 seconds first            (timeouts)
//   {"allocMB": 300}  touch 300 MB of memory            (memory limit)
//   {"writeMB": 600}  write 600 MB to /tmp/fill         (disk size: ENOSPC)
//   {"exit": 2}       exit with status 2 (default 0)   (function errors)
// Linked statically, no Qt: it runs in an image that has nothing else.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

// The number after "key": in a flat JSON object, or fallback. A real JSON parser would be
// overkill for four numeric fields, and the job must stay dependency-free.
long field(std::string_view json, std::string_view key, long fallback)
{
    const std::string quoted = "\"" + std::string(key) + "\"";
    size_t at = json.find(quoted);
    while (at != std::string_view::npos) {
        size_t i = at + quoted.size();
        while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n'))
            ++i;
        if (i < json.size() && json[i] == ':') {
            ++i;
            while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n'))
                ++i;
            const std::string rest(json.substr(i, 32));
            char *end = nullptr;
            const double value = std::strtod(rest.c_str(), &end);
            if (end != rest.c_str())
                return long(value);
            return fallback;
        }
        at = json.find(quoted, at + 1);
    }
    return fallback;
}

} // namespace

int main()
{
    const char *raw = std::getenv("FC_CUSTOM_CONTAINER_EVENT");
    const std::string event = raw != nullptr ? raw : "";
    std::printf("event: %s\n", event.c_str());

    std::vector<std::string> env;
    for (char **e = environ; *e != nullptr; ++e)
        env.emplace_back(*e);
    std::sort(env.begin(), env.end());
    for (const std::string &kv : env)
        std::printf("env: %s\n", kv.c_str());
    std::fflush(stdout);

    const long exitCode = field(event, "exit", 0);
    if (const long seconds = field(event, "sleep", 0); seconds > 0) {
        std::printf("sleeping %ld s\n", seconds);
        std::fflush(stdout);
        sleep(unsigned(seconds));
    }
    if (const long mb = field(event, "allocMB", 0); mb > 0) {
        std::vector<char *> blocks;
        for (long i = 0; i < mb; ++i) {
            auto *block = static_cast<char *>(std::malloc(1 << 20));
            if (block == nullptr) {
                std::fprintf(stderr, "fc-sample-job: out of memory after %ld MB\n", i);
                return 1;
            }
            std::memset(block, int(i) | 1, 1 << 20); // touched: resident, not just reserved
            blocks.push_back(block);
        }
        std::printf("allocated %ld MB\n", mb);
        std::fflush(stdout);
    }
    if (const long mb = field(event, "writeMB", 0); mb > 0) {
        const int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            std::fprintf(stderr, "fc-sample-job: open /tmp/fill: %s\n", std::strerror(errno));
            return 1;
        }
        static char block[1 << 16];
        std::memset(block, 'x', sizeof block);
        for (long written = 0; written < (mb << 20);) {
            const ssize_t n = write(fd, block, sizeof block);
            if (n < 0) {
                std::fprintf(stderr, "fc-sample-job: write /tmp/fill after %ld MB: %s\n",
                             written >> 20, std::strerror(errno));
                return 1;
            }
            written += n;
        }
        close(fd);
        std::printf("wrote %ld MB to /tmp/fill\n", mb);
    }
    std::fflush(stdout);
    return int(exitCode);
}
