"""The course's grading tool, `python -m autograder COMMAND`, built on nbgrader's gradebook, preprocessors and files.

Commands
    release [LESSON ...] [--check]   regenerate release/ from source/ (or check that they agree, with no secrets)
    collect LESSON EXPORT            place an LMS export (folder or zip) into submitted/<student>/<lesson>/
    grade LESSON                     grade every submission: parallel, sandboxed, verdicts that cannot be forged
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
    zygotes      the per-process cache of warm learner sandboxes (verify.Zygote)
    reconcile    the verdict rule: trusted verdicts against in-kernel ones (below)
    feedback     the feedback notebook a student gets back
    result       what grading one submission gives
    submission   grading one submission: the steps above in order
    pool         the worker pool grading a class, one submission per worker at a time
    gradebook    scores read from nbgrader's gradebook; a graded class recorded into it, autograded/ and flags/
    collect, export, release, check   the other commands' work

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

The sandbox (bubblewrap)
    No network, no other processes, the machine read-only, an empty /tmp and home, none of the course folder
    but the packages the lessons import, writes only to its own scratch folder, limits on address space, CPU
    time and file size, and an environment with no trace of grading. The learner process is forked from a warm
    "zygote" that has already imported the lesson's setup (numpy, torch); after each learner it kills every
    process of its PID namespace and empties its folder, so no learner can reach the next.

Robustness
    Every submission is graded in a worker process; a worker that dies or runs out of time is replaced and only
    its submission is flagged. A notebook that cannot be read gets zero, a flag and feedback that says why. A
    kernel killed by the learner (os._exit, a segfault) still gets the grader's verdicts for the cells that ran
    before it, as a real kernel would have.
"""
