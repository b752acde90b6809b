package main

import (
	"runtime/debug"
	"strings"
)

// build is what a binary knows of how it was built: its version, the VCS
// revision it was built from, and the Go that built it.
type build struct {
	version, revision, goVersion string
}

// readBuild is the binary's build: the version linked in with -ldflags
// "-X main.version=…" (releases, the image, the Action), else the module
// version the go command stamped (a build from a tagged clone, go install
// …@v1.2.0), else the VCS revision, else "dev".
func readBuild() build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return buildOf(version, info)
}

// buildOf is readBuild over given inputs, for tests.
func buildOf(linked string, info *debug.BuildInfo) build {
	b := build{version: strings.TrimSpace(linked)}
	modVersion := ""
	modified := false
	if info != nil {
		b.goVersion = info.GoVersion
		if v := info.Main.Version; v != "" && v != "(devel)" {
			modVersion = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	switch {
	case b.version != "":
	case modVersion != "":
		b.version = modVersion
	case b.revision != "":
		// No tag on the commit and no module version: the revision says
		// which source it is; "+dirty" that it had uncommitted changes.
		b.version = "dev-" + shortRevision(b.revision)
		if modified {
			b.version += "+dirty"
		}
	default:
		b.version = "dev"
	}
	return b
}

func shortRevision(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
