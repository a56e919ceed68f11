#pragma once

// Outbound network for an instance (FC3's internetAccess): a user-mode TCP/IP stack from Debian
// (slirp4netns, or pasta from passt) attached to the instance's network namespace as a tap
// device. Requests *to* the instance never go through it: fcemu still reaches the server through
// init's connect inside the namespace (Instance::connectTcp), on loopback.
//
// Addresses inside (the same with either helper):
//   tap0 10.0.2.100/24, default route via 10.0.2.2
//   10.0.2.2  the developer's machine, its 127.0.0.1 included: host.fcemu.internal
//   10.0.2.3  DNS, forwarded to the host's resolver
// The instance address 21.0.0.N stays on lo (a /8 route of its own), so FC's ping path is
// unchanged.

#include <sys/types.h>

#include <memory>

#include <QByteArray>
#include <QString>

#include "common/UniqueFd.h"

namespace Fcemu::Sandbox {

inline constexpr char kHostAlias[] = "host.fcemu.internal";
inline constexpr char kUserNetHostAddress[] = "10.0.2.2";
inline constexpr char kUserNetDnsAddress[] = "10.0.2.3";
inline constexpr char kUserNetGuestAddress[] = "10.0.2.100";

enum class NetworkHelper { None, Slirp4netns, Pasta };

struct NetworkAvailability
{
    NetworkHelper helper = NetworkHelper::None;
    QString path; // absolute path of the helper
    // When helper is None: one line saying outbound network is off, why, and what to install.
    QString reason;
};

// Which helper this machine can use (slirp4netns first, then pasta), and whether /dev/net/tun
// can be opened. Looked up once per process; FCEMU_NETWORK_HELPER=slirp4netns|pasta|none
// overrides the choice (tests, benchmarks).
const NetworkAvailability &networkAvailability();

QString networkHelperName(NetworkHelper helper);

// One running helper, attached to the network namespace of initPid. Its end is tied to ours
// twice: its exit descriptor (slirp4netns) or its target namespace (pasta) ends it, and the
// destructor kills and reaps it. The helper also dies if fcemu dies (the exit pipe closes).
class UserNetwork final
{
public:
    UserNetwork(const UserNetwork &) = delete;
    UserNetwork &operator=(const UserNetwork &) = delete;
    ~UserNetwork();

    // Starts the helper without waiting for it: the set-up goes on in parallel. Null with
    // *error set when it cannot even be started.
    static std::unique_ptr<UserNetwork> start(pid_t initPid, QString *error);

    // Blocks until the helper has configured the namespace (true), or it failed or timed out
    // (false, *error set). Cheap once it returned true.
    bool waitReady(int timeoutMs, QString *error);
    bool isReady() const { return m_ready; }

    // Kills and reaps the helper now (idempotent).
    void stop();
    pid_t pid() const { return m_pid; }

private:
    UserNetwork() = default;
    bool pollPastaRoute() const;
    QString helperOutput() const;

    NetworkHelper m_helper = NetworkHelper::None;
    pid_t m_pid = -1;
    pid_t m_initPid = -1;
    UniqueFd m_pidfd, m_readyRead, m_exitWrite, m_log;
    bool m_ready = false;
    bool m_failed = false;
};

} // namespace Fcemu::Sandbox
