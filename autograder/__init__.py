"""The course's grading tool, `python -m autograder COMMAND`, built on nbgrader's gradebook, preprocessors and files.

Commands
    release [LESSON ...] [--check]   regenerate release/ from source/ (or check that they agree, with no secrets)
    collect LESSON EXPORT            place an LMS export (folder or zip) into submitted/<student>/<lesson>/
    grade LESSON [--trusted-only]    grade every submission: parallel, sandboxed, verdicts that cannot be forged
                                     (--trusted-only: without nbgrader's in-kernel run, for speed)
    flags LESSON                     what the instructor should look at
    feedback LESSON                  feedback HTML per student (nbgrader generate_feedback), no hidden tests
    export                           grades as CSV
    check NOTEBOOK                   a self-learner's full grading of one notebook, with hints

Modules
    __main__     the command line: one function per command (COMMANDS)
    course       where everything lives: every path of a course folder, the gradebook URL, running nbgrader
    notebooks    lesson notebooks by grade_id (nbgrader's own cell predicates), test cells and their hidden parts
    options      the instructor's grading options and the grader's named time limits
    template     the template course each submission's nbgrader run starts from (no hidden tests in it)
    scan         the code scan: learner code the instructor may want to look at (changes no score)
    in_kernel    nbgrader's own autograde of one submission, its kernel in the sandbox (sandbox, kernel)
    verify       the trusted run: the test cells in the grader's process (runner, rpc: the learner's side)
    exercises    which solution cells are numpy-only and which torch-allowed (no_torch: the numpy side's torch)
    zygotes      the per-process cache of warm learner sandboxes (verify.Zygote)
    reconcile    the verdict rule: trusted verdicts against in-kernel ones (below)
    feedback     the feedback notebook a student gets back
    result       what grading one submission gives
    submission   grading one submission: the steps above in order
    pool         the worker pool grading a class, one submission per worker at a time
    gradebook    scores read from nbgrader's gradebook; a graded class recorded into it, autograded/ and flags/
    safe_feedback  what a student may see: outputs as text, no hidden-test line, nbgrader roles from the source
    safe_text    text safe to print on a terminal (control characters escaped)
    collect      an LMS export placed into submitted/: regular files under safe ids only
    export, release, check, hints, bundle   the other commands' work (hints: check's messages that withhold
                 answers; bundle: the student copy without source/ or the grader side)
    sandbox, kernel   the bubblewrap policy, and nbgrader's Execute with output caps and its sockets folder locked
    memory_cap   one memory cap (a cgroup) on all the processes of a sandbox

Why verdicts cannot be forged
    In plain nbgrader the learner's code and the tests share one interpreter, so anything the tests rely on
    (numpy, the check helpers, the cells that follow, the files on disk) is the learner's to change. Here a
    test cell's verdict never rests on code that runs after the learner's code in the learner's interpreter:

    - verify.py: the learner's cells run in a sandboxed process (runner.py); the lesson's own test cells,
      hidden tests included, run in the grader's process, where each graded function is a stand-in that sends
      the grader's inputs across and brings the result back as plain data (rpc.py: arrays, numbers, strings and
      containers; never pickles). Comparisons use the grader's untouched numpy, utils and torch references.
    - in_kernel.py: nbgrader's own autograde also runs the notebook, with its kernel in the sandbox (sandbox.py,
      kernel.py), for the learner's outputs in the feedback.
    - reconcile.py: each test cell scores the grader's verdict; an in-kernel verdict that disagrees is overruled
      and flagged (a pass there that fails here is suspected tampering; a failure there that passes here, e.g.
      stderr output, keeps its points).

The sandbox (bubblewrap, see sandbox.py)
    The learner runs as a uid of its own (the trusted run's: its grading process's; each kernel's: its launcher's),
    with no capabilities, no_new_privs and a seccomp filter (no ptrace, namespaces, mounts, keys, bpf); it sees an
    allowlist of the machine read-only (no /run, no host sockets, no root-only files, no other copy of the course),
    of the course only utils/ and autograder/ (utils' grader/ folders hidden from the trusted run's learner), a
    /proc of its own PID namespace, and writes only to size-capped tmpfs mounts that vanish with it; bubblewrap
    itself starts with an empty environment. Where the grader is root, all the processes of a sandbox share one
    memory cap (memory_cap.py, a cgroup), and the kernel's sockets folder is the grader's before any cell runs
    (kernel.py). The trusted
    run's learner process is forked from a warm "zygote" that ran the lesson's setup cell and never runs learner
    code; each child gets a private, signed and numbered channel, and after it the zygote kills its leftovers and
    removes what it wrote, so no learner can reach the next. Delegation earns nothing: exercises.py declares each
    solution cell numpy-only or torch-allowed, and each graded name is called in a learner process of its kind. The
    numpy-only one has no torch (its folders are empty in the sandbox; runner.py installs a stub, no_torch.py, so a
    bare `import torch` runs and any use raises; its zygote runs the setup cell statement by statement, skipping
    what needs torch); the torch-allowed one is the usual. Neither has the grader side. A call, or the cell defining
    the name, that fails on what its process lacks loses that function's points, and the flag names the function
    and what it reached. An argument a learner's function changes in place fails
    that call; it is never copied back.

Robustness
    Every submission is graded in a worker process; a worker that dies or runs out of time is replaced and only
    its submission is flagged. A notebook that cannot be read gets zero, a flag and feedback that says why. A
    kernel killed by the learner (os._exit, a segfault) still gets the grader's verdicts for the cells that ran
    before it, as a real kernel would have.
"""
