// Stands in for fcemu in two tests:
//   helper ROOTFS         TestSandbox::sigkillOfFcemuLeavesNothing: starts an instance whose
//                         command spawns children, prints "ready <init pid> <pid-ns dev>
//                         <pid-ns inode>", then waits to be killed with SIGKILL by the test.
//   helper --refused ROOTFS  TestSandbox::refusedUserNamespacesAreExplained: run where user
//                         namespaces are not allowed; prints checkUserNamespaces()'s and
//                         start()'s errors, one per line, and exits with the CLI's status.

#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include <QCoreApplication>

#include "sandbox/Sandbox.h"

using namespace Fcemu::Sandbox;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s ROOTFS\n", argv[0]);
        return 2;
    }
    if (argc == 3 && strcmp(argv[1], "--refused") == 0) {
        const auto check = checkUserNamespaces();
        SandboxSpec spec;
        spec.rootfs = QString::fromLocal8Bit(argv[2]);
        spec.argv = {u"/bin/true"_qs};
        Instance instance(spec);
        const auto started = instance.start();
        if (check || started)
            return 0;
        printf("%s\n%s\n", qPrintable(check.error().message), qPrintable(started.error().message));
        return check.error().kind == started.error().kind ? Fcemu::exitCodeFor(check.error().kind)
                                                          : 99;
    }
    SandboxSpec spec;
    spec.rootfs = QString::fromLocal8Bit(argv[1]);
    spec.argv = {u"/bin/probe"_qs, u"spawn"_qs, u"3"_qs};
    spec.instanceAddress = u"21.0.0.2"_qs;
    Instance instance(spec);
    QObject::connect(&instance, &Instance::outputLine, &app, [&instance](const OutputLine &line) {
        if (line.text != "spawned")
            return;
        struct stat st = {};
        const QByteArray ns = "/proc/" + QByteArray::number(instance.initPid()) + "/ns/pid";
        stat(ns.constData(), &st);
        printf("ready %lld %llu %llu\n", static_cast<long long>(instance.initPid()),
               static_cast<unsigned long long>(st.st_dev),
               static_cast<unsigned long long>(st.st_ino));
        fflush(stdout);
    });
    QObject::connect(&instance, &Instance::exited, &app, [] { QCoreApplication::exit(1); });
    if (const auto started = instance.start(); !started) {
        fprintf(stderr, "%s\n", qPrintable(started.error().message));
        return 4;
    }
    return app.exec();
}
