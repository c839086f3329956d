"""``python -m callqa.pipelines.cli``: the command line."""

from callqa.pipelines.cli import main

if __name__ == "__main__":
    main()
