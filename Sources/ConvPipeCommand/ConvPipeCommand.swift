import ArgumentParser
import ConvJob
