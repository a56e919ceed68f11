#pragma once

// FC's read-only management calls (FC2 GetService, GetFunction, ListFunctions, ListServices;
// FC3 GetFunction, ListFunctions), answered from the loaded configuration of the functions
// served behind one endpoint, in FC's JSON shape for the API generation called.

#include <QByteArray>
#include <QList>
#include <QString>

#include "config/FunctionConfig.h"
#include "gateway/Routing.h"
#include "http/HttpMessage.h"

namespace Fcemu::Gateway {

// One served function as the management calls describe it.
struct ManagedFunction
{
    const Config::FunctionConfig *config = nullptr;
    QByteArray checksum; // X-Fc-Code-Checksum / codeChecksum
    // customContainerConfig.image: the reference the function was given (a registry reference,
    // or the tag an image file names); resolvedImage adds the manifest digest (FC3's
    // resolvedImageUri, REPO@sha256:...).
    QString image;
    QString resolvedImage;
};

// The JSON reply of a read-only management call (route.kind == Management): the Get* calls
// describe functions[route.function], the List* calls functions[route.functions...].
Http::HttpResponse managementResponse(const Route &route, const QList<ManagedFunction> &functions,
                                      const QString &requestId);
// The same for one function (every List* call lists it).
Http::HttpResponse managementResponse(const Route &route, const ManagedFunction &function,
                                      const QString &requestId);

} // namespace Fcemu::Gateway
