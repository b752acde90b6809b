package main

import "context"

func runCheck(_ context.Context, e *env, args []string) int { return exitUsage }

func runValidate(_ context.Context, e *env, args []string) int { return exitUsage }
