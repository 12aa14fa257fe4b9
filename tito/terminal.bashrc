# Start-up file of the terminals of tito's labs (make lab, the course hub): an interactive
# bash reads it in place of ~/.bashrc, after /etc/bash.bashrc (see tito.lab.terminal_args).
# The shell starts with the lab's environment, the course's Python and tito first on PATH.
lab_path=$PATH
# The user's own start-up, as bash would read it...
if [ -f ~/.bashrc ]; then
    . ~/.bashrc
fi
# ...after which the lab's PATH comes first again: conda's and pyenv's start-up lines put
# their own Python ahead of it, and the course's instructions mean the course's python.
PATH="$lab_path:$PATH"
unset lab_path
