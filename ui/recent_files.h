#pragma once
// The File > Open Recent list, most recent first, kept in QSettings so it survives
// restarts. Only files that opened successfully are added.
#include <QStringList>

class RecentFiles {
public:
    static constexpr int kMaxEntries = 8;

    static QStringList load();
    static void add(const QString& path);
    static void clear();
    // The most recent entry that still exists on disk, or empty.
    static QString mostRecentExisting();
};
