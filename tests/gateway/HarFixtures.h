#pragma once

#include <QByteArray>

namespace Fcemu::Test {

// A HAR as Chrome's DevTools saves it (Network ▸ Save all as HAR with content): three entries,
// HTTP/2 pseudo-headers, DevTools' own underscore fields, -1 timings, a base64 image, a reply
// whose body was not kept, a JSON POST.
QByteArray chromeHar();
// Firefox's shape: local time with an offset, a form POST saved as params only.
QByteArray firefoxHar();
// One browser entry with only what HAR requires, for the bad-input cases to break.
QByteArray minimalHarEntry();

} // namespace Fcemu::Test
