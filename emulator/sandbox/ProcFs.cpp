#include "ProcFs.h"

#include <arpa/inet.h>

#include <QHostAddress>

namespace Fcemu::Sandbox {

QList<ListeningSocket> parseProcNetTcp(const QByteArray &content, bool ipv6)
{
    // "  sl  local_address rem_address   st ..." then one socket per line, e.g.
    // "   0: 0100007F:2328 00000000:0000 0A ...": address in host byte order words, port hex.
    constexpr int kListen = 0x0A;
    QList<ListeningSocket> sockets;
    const QList<QByteArray> lines = content.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> fields = lines[i].simplified().split(' ');
        if (fields.size() < 4)
            continue;
        bool ok = false;
        if (fields[3].toInt(&ok, 16) != kListen || !ok)
            continue;
        const QList<QByteArray> local = fields[1].split(':');
        if (local.size() != 2)
            continue;
        const quint16 port = local[1].toUShort(&ok, 16);
        if (!ok)
            continue;
        const QByteArray hex = local[0];
        QHostAddress address;
        if (!ipv6 && hex.size() == 8) {
            const quint32 raw = hex.toUInt(&ok, 16); // the kernel prints the __be32 as a number
            address.setAddress(ntohl(raw));
        } else if (ipv6 && hex.size() == 32) {
            Q_IPV6ADDR a;
            for (int word = 0; word < 4; ++word) {
                const quint32 raw = hex.mid(word * 8, 8).toUInt(&ok, 16);
                const quint32 be = raw; // stored as 4 native-endian 32-bit words
                memcpy(&a[word * 4], &be, 4);
            }
            address.setAddress(a);
        } else {
            continue;
        }
        sockets.append({address.toString(), port});
    }
    return sockets;
}

} // namespace Fcemu::Sandbox
